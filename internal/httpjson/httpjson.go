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
	"sync"
	"time"
	"unicode/utf8"

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
	data, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	return Unmarshal(data, dst)
}

// ReadBody is the first half of [Decode]: it checks the Content-Type and
// reads the body, with Decode's errors. [Unmarshal] is the second half.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	switch ct := r.Header.Get("Content-Type"); ct {
	case "application/json":
		// The usual value, which mime.ParseMediaType accepts; spared its
		// parsing.
	case "":
		return nil, &payments.Error{Code: payments.CodeUnsupportedMediaType, Message: "Content-Type must be application/json"}
	default:
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, &payments.Error{Code: payments.CodeUnsupportedMediaType, Message: "Content-Type must be application/json"}
		}
	}
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	data, err := readAll(body, r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &payments.Error{Code: payments.CodeBodyTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBody)}
		}
		return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "could not read the request body"}
	}
	return data, nil
}

// presizeLimit bounds the buffer readAll allocates before any data.
const presizeLimit = 16 << 10

// readAll is io.ReadAll with the buffer sized from the request's
// Content-Length (one byte more, to see EOF without growing) where one is
// declared, up to presizeLimit: a declared length is not yet data, and
// larger bodies grow the buffer as they arrive.
func readAll(r io.Reader, contentLength int64) ([]byte, error) {
	size := 512
	if contentLength > 0 && contentLength < presizeLimit {
		size = int(contentLength) + 1
	}
	return AppendAll(make([]byte, 0, size), r)
}

// AppendAll reads r to EOF and appends what it reads to b, filling b's
// spare capacity before growing it: io.ReadAll into a buffer of the
// caller's choosing. EOF is not an error.
func AppendAll(b []byte, r io.Reader) ([]byte, error) {
	if cap(b) == len(b) {
		b = append(b, 0)[:len(b)]
	}
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
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
	writeHeader(w, status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// Buffer returns an empty buffer to build a body for [WriteEncoded] in.
func Buffer() []byte {
	if b, ok := buffers.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 1024)
}

var buffers sync.Pool

// WriteEncoded sends body, a JSON value and its newline exactly as Write
// would encode it (built with [AppendString], [AppendTime] …), with
// Write's headers, in one Write as Write does. It recycles body's array.
func WriteEncoded(w http.ResponseWriter, status int, body []byte) {
	writeHeader(w, status)
	_, _ = w.Write(body) // a Writer must not keep body
	if cap(body) <= 64<<10 {
		buffers.Put(&body)
	}
}

func writeHeader(w http.ResponseWriter, status int) {
	SetHeaders(w.Header(), "Content-Type", "application/json; charset=utf-8",
		"Cache-Control", "no-store", "X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
}

// SetHeaders is h.Set(k1, v1), h.Set(k2, v2), h.Set(k3, v3) for canonical
// keys, with one allocation for the three values.
func SetHeaders(h http.Header, k1, v1, k2, v2, k3, v3 string) {
	vs := []string{v1, v2, v3}
	h[k1], h[k2], h[k3] = vs[0:1:1], vs[1:2:2], vs[2:3:3]
}

// AppendString appends s as a JSON string exactly as Write's encoder
// writes it: ", \\ and control characters escaped (\b, \f, \n, \r, \t
// by name), <, > and & as \u003c, \u003e and \u0026, invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 escaped.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendTime appends t as Write's encoder writes a time.Time: RFC 3339
// with nanoseconds, quoted. It reports false where the encoder fails (a
// year outside 0–9999), and dst is then not to be used.
func AppendTime(dst []byte, t time.Time) ([]byte, bool) {
	dst = append(dst, '"')
	dst, err := t.AppendText(dst)
	if err != nil {
		return nil, false
	}
	return append(dst, '"'), true
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
