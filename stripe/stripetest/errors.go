package stripetest

import (
	"strconv"
	"strings"
)

// Stripe error types.
const (
	typeInvalidRequest = "invalid_request_error"
	typeCard           = "card_error"
	typeIdempotency    = "idempotency_error"
	typeAPI            = "api_error"
)

// Error is an API error in the shape of Stripe's error object. The server
// writes it as {"error": {...}} with HTTPStatus; the control methods of
// [Server] (such as [Server.CompleteSession]) return it as a Go error.
type Error struct {
	// HTTPStatus is the HTTP status code the API answers with.
	HTTPStatus int
	// Type is Stripe's error type: "invalid_request_error", "card_error",
	// "idempotency_error" or "api_error".
	Type string
	// Code is Stripe's error code such as "resource_missing" or
	// "card_declined"; it may be empty.
	Code string
	// DeclineCode is the issuer's reason for a card decline, such as
	// "generic_decline" or "insufficient_funds".
	DeclineCode string
	// Param names the request parameter at fault, if any.
	Param string
	// Message is the human-readable message.
	Message string

	// executed marks errors raised after the operation took effect (a card
	// decline): they count in Executed and are kept for idempotent replay.
	executed bool
	charge   string
	pi       *paymentIntent
	pm       *paymentMethod
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("stripetest: ")
	b.WriteString(strconv.Itoa(e.HTTPStatus))
	b.WriteString(" ")
	b.WriteString(e.Type)
	if e.Code != "" {
		b.WriteString(" (" + e.Code)
		if e.DeclineCode != "" {
			b.WriteString("/" + e.DeclineCode)
		}
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}

func docURL(code string) string {
	if code == "" {
		return ""
	}
	return "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(code, "_", "-")
}

func errInvalid(param, msg string) *Error {
	return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Param: param, Message: msg}
}

func errMissingParam(param string) *Error {
	return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_missing", Param: param, Message: "Missing required param: " + param + "."}
}

func errEmptyParam(param string) *Error {
	return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_invalid_empty", Param: param,
		Message: "You passed an empty string for '" + param + "'. We assume empty values are an attempt to unset a parameter; however '" + param + "' cannot be unset. You should remove '" + param + "' from your request or supply a non-empty value."}
}

func errUnknownParam(param string) *Error {
	return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_unknown", Param: param, Message: "Received unknown parameter: " + param}
}

// errNoSuch is Stripe's 404 for an unknown id: "No such payment_intent: 'pi_x'".
func errNoSuch(noun, id, param string) *Error {
	return &Error{HTTPStatus: 404, Type: typeInvalidRequest, Code: "resource_missing", Param: param, Message: "No such " + noun + ": '" + id + "'"}
}

func errUnsupported(param, what string) *Error {
	return errInvalid(param, "stripetest does not support "+what+". Stripe itself may accept it; extend the fake if you need it.")
}

func errState(code, msg string) *Error {
	return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: code, Message: msg}
}
