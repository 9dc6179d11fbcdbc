package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/payments-go/payments"
)

// The demo order API. Orders belong to the application, not to the
// payments library: a real shop has its own catalogue and order tables and
// gives the library a [payments.Orders] that reads them. This one keeps
// them in its [shopDB] (in memory, or in PostgreSQL with
// PAYMENTS_DATABASE_URL) and lets the page (or curl) create them:
//
//	POST /orders         {"order_number"?, "order_name", "amount", "currency"} → 201 the order
//	GET  /orders/{number} → 200 the order, or 404 order_not_found
//
// An order also shows what the shop's event handler did for it
// (fulfil.go): fulfilled_at (null until the payment was paid),
// fulfillments (0 or 1) and events_handled (distinct event ids).
//
// Errors use the library's envelope {"error": {"code", "message"}}.

// demoOrder is the order the shop holds at start.
var demoOrder = payments.Order{
	Number:   "ORD-20260122-001",
	Name:     "Cool T-Shirt 외 1건",
	Amount:   58990,
	Currency: "KRW",
}

// orderJSON is an order on the wire.
type orderJSON struct {
	OrderNumber   string            `json:"order_number"`
	OrderName     string            `json:"order_name"`
	Amount        payments.Amount   `json:"amount"`
	Currency      payments.Currency `json:"currency"`
	FulfilledAt   *time.Time        `json:"fulfilled_at"`
	Fulfillments  int               `json:"fulfillments"`
	EventsHandled int               `json:"events_handled"`
}

func orderToJSON(r orderRecord) orderJSON {
	o := r.Order
	return orderJSON{
		OrderNumber: o.Number, OrderName: o.Name, Amount: o.Amount, Currency: o.Currency,
		FulfilledAt: r.FulfilledAt, Fulfillments: r.Fulfillments, EventsHandled: r.EventsHandled,
	}
}

// orderNumberRE is what the shop accepts as an order number: the
// characters a Toss orderId may hold, short enough that the "-<n>" Toss
// adds for a retry still fits in 64.
var orderNumberRE = regexp.MustCompile(`^[A-Za-z0-9_-]{6,60}$`)

// maxOrderBody caps POST /orders bodies.
const maxOrderBody = 64 << 10

// orderAPI serves the demo order API over db.
type orderAPI struct {
	db  shopDB
	now func() time.Time
}

func (a *orderAPI) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OrderNumber string          `json:"order_number"`
		OrderName   string          `json:"order_name"`
		Amount      payments.Amount `json:"amount"`
		Currency    string          `json:"currency"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	o := payments.Order{
		Number:   strings.TrimSpace(req.OrderNumber),
		Name:     strings.TrimSpace(req.OrderName),
		Amount:   req.Amount,
		Currency: payments.Currency(strings.TrimSpace(req.Currency)),
	}
	generated := o.Number == ""
	if generated {
		n, err := a.newNumber()
		if err != nil {
			writeError(w, err)
			return
		}
		o.Number = n
	} else if !orderNumberRE.MatchString(o.Number) {
		writeError(w, invalid("order_number must be 6 to 60 letters, digits, '-' or '_' (leave it out to get one)"))
		return
	}
	if o.Currency == "" {
		writeError(w, invalid("currency is required (KRW for Toss; KRW, USD, EUR, JPY … for Stripe)"))
		return
	}
	if err := a.db.Add(r.Context(), o); err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Location", "/orders/"+o.Number)
	writeJSON(w, http.StatusCreated, orderToJSON(orderRecord{Order: o}))
}

func (a *orderAPI) get(w http.ResponseWriter, r *http.Request) {
	rec, err := a.db.View(r.Context(), r.PathValue("number"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, orderToJSON(rec))
}

// newNumber makes an order number such as ORD-20260122-3FA94C: the date
// and 24 random bits, so numbers are unlikely to repeat; a repeat is
// refused by [shopDB.Add] and the client tries again.
func (a *orderAPI) newNumber() (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "ORD-" + a.now().Format("20060102") + "-" + strings.ToUpper(hex.EncodeToString(b)), nil
}

func invalid(msg string) error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: msg}
}

// decodeJSON reads one JSON object strictly: application/json only, at
// most maxOrderBody bytes, no unknown fields, nothing after it.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &payments.Error{Code: payments.CodeUnsupportedMediaType, Message: "Content-Type must be application/json"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOrderBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &payments.Error{Code: payments.CodeBodyTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", maxOrderBody)}
		}
		return invalid("could not read the request body")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return invalid("malformed JSON: " + err.Error())
	}
	if dec.More() {
		return invalid("request body has data after the JSON object")
	}
	return nil
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers err in the library's error envelope. Only a
// *payments.Error's message is shown; anything else is an internal error
// whose text stays on the server.
func writeError(w http.ResponseWriter, err error) {
	type detail struct {
		Code    payments.ErrorCode `json:"code"`
		Message string             `json:"message"`
	}
	d := detail{Code: payments.Code(err), Message: "internal error"}
	var pe *payments.Error
	if errors.As(err, &pe) && pe.Message != "" {
		d.Message = pe.Message
	}
	writeJSON(w, payments.HTTPStatus(err), struct {
		Error detail `json:"error"`
	}{d})
}
