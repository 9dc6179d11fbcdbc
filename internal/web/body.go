package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

// MaxBody is the largest request body accepted: 1 MiB.
const MaxBody = 1 << 20

// ReadBody reads a request's JSON body. The Content-Type must be
// application/json (parameters such as charset allowed) and the body at
// most [MaxBody] bytes. Errors are *payments.Error: 415
// unsupported_media_type, 413 body_too_large, 400 invalid_request.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := contentType(r, false); err != nil {
		return nil, err
	}
	return readLimited(w, r)
}

// ReadEventBody is [ReadBody] for the bodies gateways send to webhooks,
// whose senders may leave the Content-Type out or send text/json.
func ReadEventBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := contentType(r, true); err != nil {
		return nil, err
	}
	return readLimited(w, r)
}

// Decode reads the body with [ReadBody] and decodes it strictly with
// [httpjson.Unmarshal] into dst.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	return httpjson.Unmarshal(body, dst)
}

func contentType(r *http.Request, event bool) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" && event {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || event && mt == "text/json") {
		return nil
	}
	return &payments.Error{Code: payments.CodeUnsupportedMediaType, Message: "Content-Type must be application/json"}
}

// readLimited reads r's body, at most MaxBody bytes.
func readLimited(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &payments.Error{Code: payments.CodeBodyTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBody)}
		}
		return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "could not read the request body"}
	}
	return body, nil
}
