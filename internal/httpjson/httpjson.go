// Package httpjson is the HTTP plumbing every handler shares: strict JSON
// request decoding with a size cap, and the JSON response and error
// envelope of the API.
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/payments-go/payments"
)

// MaxBody is the largest request body accepted: 1 MiB.
const MaxBody = 1 << 20

// Decode reads r's body as one JSON object into dst. It refuses a
// Content-Type other than application/json (415 unsupported_media_type),
// a body over [MaxBody] (413 body_too_large), and malformed JSON, unknown
// fields, wrong types and trailing data (400 invalid_request). Errors are
// *payments.Error with messages safe to show.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &payments.Error{Code: payments.CodeUnsupportedMediaType, Message: "Content-Type must be application/json"}
		}
	} else {
		return &payments.Error{Code: payments.CodeUnsupportedMediaType, Message: "Content-Type must be application/json"}
	}
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &payments.Error{Code: payments.CodeBodyTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBody)}
		}
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "could not read the request body"}
	}
	return Unmarshal(data, dst)
}

// Unmarshal decodes one JSON object strictly, with the errors of
// [Decode].
func Unmarshal(data []byte, dst any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "request body is empty"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: describe(err)}
	}
	if dec.More() {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "request body has data after the JSON object"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "request body has data after the JSON object"}
	}
	return nil
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
			return fmt.Sprintf("field %q must be %s", typ.Field, kind(typ.Type.Kind().String()))
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

func kind(k string) string {
	switch k {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	default:
		return "a " + k
	}
}

// Write sends v as JSON with the given status.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
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
