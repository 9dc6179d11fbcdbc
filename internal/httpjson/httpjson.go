// Package httpjson is the JSON side of the library's HTTP handlers: strict
// decoding of request bodies, tolerant-but-unambiguous decoding of the
// bodies gateways send us, and the JSON answer and error envelope.
//
// Everything is encoding/json. What this package adds is the one check
// encoding/json does not make: a key given twice, or a key that matches a
// field only when case is ignored, is refused instead of silently letting
// the last (or a differently spelled) value win, so that no proxy, audit
// log or middleware that reads the first value can disagree with the
// library about what was asked.
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/payments-go/payments"
)

// Unmarshal decodes data, one JSON object, into dst strictly, for request
// bodies. It refuses, with a *payments.Error whose code is
// invalid_request and whose message names the problem (and the key, with
// its path):
//   - an empty body, malformed JSON, a value that is not an object, data
//     after the object;
//   - a key that is not a field of dst;
//   - a key given twice in one object, also when the two spellings differ
//     only in case;
//   - a key that matches a field of dst only when case is ignored
//     ("Amount" for "amount");
//   - a value of the wrong type.
func Unmarshal(data []byte, dst any) error {
	return unmarshal(data, dst, true)
}

// UnmarshalEvent is [Unmarshal] for bodies a gateway sends (webhooks):
// unknown keys are ignored, since gateways add fields without notice, but
// duplicate and case-variant keys are still refused.
func UnmarshalEvent(data []byte, dst any) error {
	return unmarshal(data, dst, false)
}

func unmarshal(data []byte, dst any, strict bool) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return invalid("request body is empty")
	}
	if data[0] != '{' {
		return invalid("request body must be a JSON object")
	}
	if err := checkKeys(data, reflect.TypeOf(dst), strict); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(dst); err != nil {
		return invalid(describe(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("request body has data after the JSON object")
	}
	return nil
}

func invalid(msg string) error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: msg}
}

// describe turns a decoding error into a message that names the problem
// without echoing the body.
func describe(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be %s", typ.Field, kind(typ.Type))
		}
		return "request body must be a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "malformed JSON: unexpected end of input"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return "malformed JSON"
	}
}

// Write answers v as JSON with the given status.
func Write(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ErrorBody is the error envelope: {"error": {...}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of [ErrorBody].
type ErrorDetail struct {
	Code        payments.ErrorCode `json:"code"`
	Message     string             `json:"message"`
	GatewayCode string             `json:"gateway_code,omitempty"`
}

// WriteError answers with err's status and envelope. Errors that are not
// *payments.Error (internal failures) are answered as internal_error with
// a generic message: internal error text never reaches the client.
func WriteError(w http.ResponseWriter, err error) {
	d := ErrorDetail{Code: payments.Code(err)}
	var pe *payments.Error
	if errors.As(err, &pe) {
		d.Message, d.GatewayCode = pe.Message, pe.GatewayCode
	}
	if d.Message == "" {
		d.Message = defaultMessage(d.Code)
	}
	status := payments.HTTPStatus(err)
	if pe != nil && pe.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(pe.RetryAfter.Seconds()+0.999)))
	}
	if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
		w.Header().Set("Allow", "POST")
	}
	Write(w, status, ErrorBody{Error: d})
}

func defaultMessage(c payments.ErrorCode) string {
	switch c {
	case payments.CodeInternal:
		return "internal error"
	case payments.CodeGatewayUnavailable:
		return "the payment gateway is unavailable; try again later"
	case payments.CodeGatewayError:
		return "the payment gateway refused the request"
	case payments.CodeCanceled:
		return "the request was canceled"
	default:
		return strings.ReplaceAll(string(c), "_", " ")
	}
}
