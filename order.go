package payments

import (
	"context"
	"fmt"
	"math"
	"sync"
)

// Order is what the customer buys. Orders belong to the application; the
// library reads them through [Orders] and takes every amount from them, so
// a tampered amount from a browser never reaches a gateway.
type Order struct {
	// Number is the application's order number, unique per order, such as
	// "ORD-20260122-001".
	Number string
	// Name describes the order to the customer, such as "Cool T-Shirt 외 1건".
	Name     string
	Amount   Amount
	Currency Currency
	// Items are the order's lines. They may be empty; when present,
	// gateways that show line items (Stripe Checkout) use them, and their
	// total must equal Amount.
	Items    []Item
	Customer Customer
}

// Item is one line of an [Order].
type Item struct {
	Name       string
	Quantity   int64
	UnitAmount Amount
}

// Customer is who pays. Every field is optional.
type Customer struct {
	Name  string
	Email string
	Phone string
}

// Validate checks that o can be paid: a number, a name, a positive amount
// in a valid currency, and items (if any) that add up to the amount.
// It returns an error for which [Code] reports [CodeInvalidRequest].
func (o *Order) Validate() error {
	switch {
	case o.Number == "":
		return errorf(CodeInvalidRequest, "order number is required")
	case len(o.Number) > 64:
		return errorf(CodeInvalidRequest, "order number is longer than 64 characters")
	case o.Name == "":
		return errorf(CodeInvalidRequest, "order name is required")
	case o.Amount <= 0:
		return errorf(CodeInvalidRequest, "order amount must be positive")
	case !o.Currency.Valid():
		return errorf(CodeInvalidRequest, fmt.Sprintf("currency %q is not an ISO 4217 code", truncate(string(o.Currency), 10)))
	}
	if len(o.Items) == 0 {
		return nil
	}
	var sum Amount
	for _, it := range o.Items {
		if it.Name == "" || it.Quantity <= 0 || it.UnitAmount <= 0 {
			return errorf(CodeInvalidRequest, "every item needs a name, a positive quantity and a positive unit amount")
		}
		if it.UnitAmount > (math.MaxInt64-sum)/Amount(it.Quantity) {
			return errorf(CodeInvalidRequest, "items add up to more than an int64 can hold")
		}
		sum += Amount(it.Quantity) * it.UnitAmount
	}
	if sum != o.Amount {
		return errorf(CodeInvalidRequest, fmt.Sprintf("items add up to %s, not the order amount %s", o.Currency.Format(sum), o.Currency.Format(o.Amount)))
	}
	return nil
}

// Orders is the application's source of orders.
type Orders interface {
	// Order returns the order with the given number. For an unknown
	// number it returns an error for which [Code] reports
	// [CodeOrderNotFound].
	Order(ctx context.Context, number string) (Order, error)
}

// OrderBook is an in-memory, goroutine-safe [Orders] for examples and
// tests. The zero value is empty and ready to use.
type OrderBook struct {
	mu     sync.RWMutex
	orders map[string]Order
}

// NewOrderBook returns an order book holding orders. It panics if one of
// them is invalid or two share a number, which is a programming error in
// the caller's fixtures.
func NewOrderBook(orders ...Order) *OrderBook {
	b := &OrderBook{}
	for _, o := range orders {
		if err := b.Add(o); err != nil {
			panic(err)
		}
	}
	return b
}

// Add stores o after [Order.Validate]. Adding a number twice is refused
// with an error for which [Code] reports [CodeInvalidRequest].
func (b *OrderBook) Add(o Order) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.Items = append([]Item(nil), o.Items...)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.orders == nil {
		b.orders = make(map[string]Order)
	}
	if _, dup := b.orders[o.Number]; dup {
		return errorf(CodeInvalidRequest, fmt.Sprintf("order %q already exists", o.Number))
	}
	b.orders[o.Number] = o
	return nil
}

// Order implements [Orders].
func (b *OrderBook) Order(_ context.Context, number string) (Order, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	o, ok := b.orders[number]
	if !ok {
		return Order{}, errorf(CodeOrderNotFound, fmt.Sprintf("order %q not found", truncate(number, 64)))
	}
	o.Items = append([]Item(nil), o.Items...)
	return o, nil
}
