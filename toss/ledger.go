package toss

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/payments-go/payments"
)

// Limits of the ledger calls.
const (
	// maxLedgerPage is the largest limit (transactions) and size
	// (settlements) Toss accepts
	// (https://docs.tosspayments.com/reference#거래-조회).
	maxLedgerPage = 5000
	// defaultLedgerPage is the page size [Gateway.ReadLedger] asks for.
	defaultLedgerPage = 1000
	// maxLedgerResponse caps a ledger page's body (16 MiB: 5000 rows of
	// about a kilobyte, with room).
	maxLedgerResponse = 16 << 20
)

// ledgerTimeLayout is the layout of startDate and endDate: Korean time
// without an offset (https://docs.tosspayments.com/reference#거래-조회).
const ledgerTimeLayout = "2006-01-02T15:04:05"

// TransactionsQuery asks for a page of GET /v1/transactions.
type TransactionsQuery struct {
	// StartDate and EndDate bound transactionAt; both are required. Toss
	// reads them to the second in Korean time; EndDate is inclusive.
	StartDate, EndDate time.Time
	// StartingAfter is the transactionKey after which the page starts
	// (exclusive); empty for the first page.
	StartingAfter string
	// Limit is the page size: 1 to 5000; 0 means Toss's default, 100.
	Limit int
}

// Transaction is one row of GET /v1/transactions
// (https://docs.tosspayments.com/reference#transaction-객체): Toss writes
// one per approval, per cancel, and for a virtual account one for its
// issue (amount 0) and one for the deposit.
type Transaction struct {
	MID            string
	TransactionKey string
	PaymentKey     string
	OrderID        string
	// Method is Toss's (Korean) method name.
	Method string
	// CustomerKey is the billing customer's key, a secret: it prints as
	// REDACTED.
	CustomerKey payments.Secret
	UseEscrow   bool
	ReceiptURL  string
	// Status is the payment's status the row records: DONE for an
	// approval, CANCELED or PARTIAL_CANCELED for a cancel,
	// WAITING_FOR_DEPOSIT for a virtual account issued.
	Status        string
	TransactionAt time.Time
	Currency      payments.Currency
	// Amount is in the currency's minor unit.
	Amount int64
}

type wireTransaction struct {
	MID            string      `json:"mId"`
	TransactionKey string      `json:"transactionKey"`
	PaymentKey     string      `json:"paymentKey"`
	OrderID        string      `json:"orderId"`
	Method         string      `json:"method"`
	CustomerKey    string      `json:"customerKey"`
	UseEscrow      bool        `json:"useEscrow"`
	ReceiptURL     string      `json:"receiptUrl"`
	Status         string      `json:"status"`
	TransactionAt  string      `json:"transactionAt"`
	Currency       string      `json:"currency"`
	Amount         json.Number `json:"amount"`
}

// UnmarshalJSON decodes a transaction row with encoding/json, converting
// the amount exactly to minor units.
func (t *Transaction) UnmarshalJSON(data []byte) error {
	var w wireTransaction
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("toss: decoding transaction: %w", err)
	}
	c := converter{exp: currencyOf(w.Currency).Exponent()}
	*t = Transaction{MID: w.MID, TransactionKey: w.TransactionKey, PaymentKey: w.PaymentKey, OrderID: w.OrderID,
		Method: w.Method, CustomerKey: payments.Secret(w.CustomerKey), UseEscrow: w.UseEscrow, ReceiptURL: w.ReceiptURL, Status: w.Status,
		TransactionAt: c.time("transactionAt", w.TransactionAt), Currency: currencyOf(w.Currency),
		Amount: c.amount("amount", w.Amount)}
	if c.err != nil {
		return fmt.Errorf("toss: decoding transaction: %w", c.err)
	}
	return nil
}

// SettlementsQuery asks for a page of GET /v1/settlements.
type SettlementsQuery struct {
	// StartDate and EndDate bound the day named by DateType, both
	// inclusive and required; only their date (in Korean time) counts.
	StartDate, EndDate time.Time
	// DateType is "soldDate" (the default: the sale's day) or
	// "paidOutDate" (the day Toss pays the merchant).
	DateType string
	// Page counts from 1 (0 means 1); Size is 1 to 5000 (0 means Toss's
	// default, 100).
	Page, Size int
}

// Settlement is one row of GET /v1/settlements
// (https://docs.tosspayments.com/reference#settlement-객체): the fees
// Toss keeps from one approval or cancel, and when it pays out the rest.
type Settlement struct {
	MID            string
	PaymentKey     string
	TransactionKey string
	OrderID        string
	Currency       payments.Currency
	Method         string
	// Amount is the transaction's amount, negative for a cancel.
	Amount      int64
	InterestFee int64
	Fees        []SettlementFee
	// SupplyAmount and VAT are those of the fee, not of the sale.
	SupplyAmount int64
	VAT          int64
	// PayOutAmount is Amount less the fees: what Toss pays out.
	PayOutAmount int64
	ApprovedAt   time.Time
	// SoldDate and PaidOutDate are days (midnight, Korean time).
	SoldDate    time.Time
	PaidOutDate time.Time
	// CanceledAt is the time of the cancel the row represents; zero for
	// an approval.
	CanceledAt time.Time
}

// SettlementFee is one of a settlement's fees: Type is BASE,
// INSTALLMENT_DISCOUNT, INSTALLMENT, POINT_SAVING or ETC.
type SettlementFee struct {
	Type         string
	Fee          int64
	SupplyAmount int64
	VAT          int64
}

// Fee is the sum of the row's fees; with no fees listed, Amount less
// PayOutAmount.
func (s *Settlement) Fee() int64 {
	if len(s.Fees) == 0 {
		return s.Amount - s.PayOutAmount
	}
	var sum int64
	for _, f := range s.Fees {
		sum += f.Fee
	}
	return sum
}

type wireSettlement struct {
	MID            string      `json:"mId"`
	PaymentKey     string      `json:"paymentKey"`
	TransactionKey string      `json:"transactionKey"`
	OrderID        string      `json:"orderId"`
	Currency       string      `json:"currency"`
	Method         string      `json:"method"`
	Amount         json.Number `json:"amount"`
	InterestFee    json.Number `json:"interestFee"`
	Fees           []struct {
		Type         string      `json:"type"`
		Fee          json.Number `json:"fee"`
		SupplyAmount json.Number `json:"supplyAmount"`
		VAT          json.Number `json:"vat"`
	} `json:"fees"`
	SupplyAmount json.Number `json:"supplyAmount"`
	VAT          json.Number `json:"vat"`
	PayOutAmount json.Number `json:"payOutAmount"`
	ApprovedAt   string      `json:"approvedAt"`
	SoldDate     string      `json:"soldDate"`
	PaidOutDate  string      `json:"paidOutDate"`
	Cancel       *struct {
		CanceledAt string `json:"canceledAt"`
	} `json:"cancel"`
}

// UnmarshalJSON decodes a settlement row with encoding/json, converting
// amounts exactly to minor units.
func (s *Settlement) UnmarshalJSON(data []byte) error {
	var w wireSettlement
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("toss: decoding settlement: %w", err)
	}
	cur := currencyOf(w.Currency)
	c := converter{exp: cur.Exponent()}
	out := Settlement{MID: w.MID, PaymentKey: w.PaymentKey, TransactionKey: w.TransactionKey, OrderID: w.OrderID,
		Currency: cur, Method: w.Method, Amount: c.amount("amount", w.Amount), InterestFee: c.amount("interestFee", w.InterestFee),
		SupplyAmount: c.amount("supplyAmount", w.SupplyAmount), VAT: c.amount("vat", w.VAT),
		PayOutAmount: c.amount("payOutAmount", w.PayOutAmount), ApprovedAt: c.time("approvedAt", w.ApprovedAt),
		SoldDate: c.day("soldDate", w.SoldDate), PaidOutDate: c.day("paidOutDate", w.PaidOutDate)}
	for i, f := range w.Fees {
		out.Fees = append(out.Fees, SettlementFee{Type: f.Type, Fee: c.amount("fees["+strconv.Itoa(i)+"].fee", f.Fee),
			SupplyAmount: c.amount("fees.supplyAmount", f.SupplyAmount), VAT: c.amount("fees.vat", f.VAT)})
	}
	if w.Cancel != nil {
		out.CanceledAt = c.time("cancel.canceledAt", w.Cancel.CanceledAt)
	}
	if c.err != nil {
		return fmt.Errorf("toss: decoding settlement: %w", c.err)
	}
	*s = out
	return nil
}

// day reads a yyyy-MM-dd day as Korean midnight.
func (c *converter) day(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, kst)
	if err != nil {
		c.fail(field, err)
	}
	return t
}

// currencyOf reads a Toss currency, KRW when absent.
func currencyOf(s string) payments.Currency {
	if s == "" {
		return payments.KRW
	}
	return payments.Currency(s)
}

func checkLedgerPage(name string, n int) *payments.Error {
	if n < 0 || n > maxLedgerPage {
		return invalid(fmt.Sprintf("%s must be between 1 and %d", name, maxLedgerPage))
	}
	return nil
}

// Transactions reads a page of the merchant's transactions: GET
// /v1/transactions (https://docs.tosspayments.com/reference#거래-조회).
// Toss answers a bare array, oldest first, with no paging envelope: the
// next page starts after the last row's TransactionKey, and a page shorter
// than the limit is the last. Toss warns that the call can take up to a
// minute and be rate-limited (429, retried).
func (c *Client) Transactions(ctx context.Context, q TransactionsQuery) ([]Transaction, error) {
	if q.StartDate.IsZero() || q.EndDate.IsZero() || q.EndDate.Before(q.StartDate) {
		return nil, invalid("transactions need a StartDate no later than the EndDate")
	}
	if err := checkLedgerPage("Limit", q.Limit); err != nil {
		return nil, err
	}
	v := url.Values{}
	v.Set("startDate", q.StartDate.In(kst).Format(ledgerTimeLayout))
	v.Set("endDate", q.EndDate.In(kst).Format(ledgerTimeLayout))
	if q.StartingAfter != "" {
		if err := checkSegment("StartingAfter", q.StartingAfter, 200); err != nil {
			return nil, err
		}
		v.Set("startingAfter", q.StartingAfter)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out []Transaction
	if err := c.doInto(ctx, "transactions", http.MethodGet, "/v1/transactions?"+v.Encode(), nil, "", maxLedgerResponse, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Settlements reads a page of the merchant's settlements: GET
// /v1/settlements (https://docs.tosspayments.com/reference#정산-조회).
func (c *Client) Settlements(ctx context.Context, q SettlementsQuery) ([]Settlement, error) {
	if q.StartDate.IsZero() || q.EndDate.IsZero() || q.EndDate.Before(q.StartDate) {
		return nil, invalid("settlements need a StartDate no later than the EndDate")
	}
	if err := checkLedgerPage("Size", q.Size); err != nil {
		return nil, err
	}
	if q.Page < 0 {
		return nil, invalid("Page must be 1 or more")
	}
	v := url.Values{}
	v.Set("startDate", q.StartDate.In(kst).Format(time.DateOnly))
	v.Set("endDate", q.EndDate.In(kst).Format(time.DateOnly))
	switch q.DateType {
	case "", "soldDate", "paidOutDate":
		if q.DateType != "" {
			v.Set("dateType", q.DateType)
		}
	default:
		return nil, invalid("DateType must be soldDate or paidOutDate")
	}
	if q.Page > 0 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Size > 0 {
		v.Set("size", strconv.Itoa(q.Size))
	}
	var out []Settlement
	if err := c.doInto(ctx, "settlements", http.MethodGet, "/v1/settlements?"+v.Encode(), nil, "", maxLedgerResponse, &out); err != nil {
		return nil, err
	}
	return out, nil
}

var _ payments.LedgerReader = (*Gateway)(nil)

// ReadLedger implements [payments.LedgerReader] with two reads, each page
// by page, holding one page at a time:
//
//   - GET /v1/transactions for [From, To): an approval is a
//     [payments.LedgerPayment] (DONE is paid; ABORTED, EXPIRED … say the
//     payment is not), a row with status CANCELED or PARTIAL_CANCELED a
//     [payments.LedgerRefund] whose RefundReference is its transactionKey
//     (what [payments.Refund.GatewayReference] holds), and a row of
//     amount 0 (a virtual account issued) [payments.LedgerOther]. The
//     public docs do not say whether a cancel row's amount is negative:
//     the library reads its size either way (tosstest's
//     LedgerConfig.NegativeCancelAmounts covers both).
//   - GET /v1/settlements by sale day, from the day of From to the day
//     after To: each row whose approval (or cancel) falls in [From, To) is
//     a [payments.LedgerFee] carrying its fees, its payout day and the
//     amount paid out, so that the totals' fees and net and the payouts
//     are Toss's own figures.
func (g *Gateway) ReadLedger(ctx context.Context, p *payments.LedgerParams, fn func([]payments.LedgerEntry) error) error {
	size := p.PageSize
	if size <= 0 || size > maxLedgerPage {
		size = defaultLedgerPage
	}
	in := func(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }
	// Toss reads endDate to the second, inclusive; rows past To are
	// dropped here.
	end := p.To.Add(-time.Second).Truncate(time.Second)
	if end.Before(p.From) {
		end = p.From
	}
	q := TransactionsQuery{StartDate: p.From, EndDate: end, Limit: size}
	page := make([]payments.LedgerEntry, 0, size)
	for {
		rows, err := g.client.Transactions(ctx, q)
		if err != nil {
			return err
		}
		page = page[:0]
		for i := range rows {
			if in(rows[i].TransactionAt) {
				page = append(page, transactionEntry(&rows[i]))
			}
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(rows) < size {
			break
		}
		q.StartingAfter = rows[len(rows)-1].TransactionKey
	}
	sq := SettlementsQuery{StartDate: p.From, EndDate: p.To.AddDate(0, 0, 1), Page: 1, Size: size}
	for {
		rows, err := g.client.Settlements(ctx, sq)
		if err != nil {
			return err
		}
		page = page[:0]
		for i := range rows {
			if e := settlementEntry(&rows[i]); in(e.At) {
				page = append(page, e)
			}
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(rows) < size {
			return nil
		}
		sq.Page++
	}
}

func transactionEntry(t *Transaction) payments.LedgerEntry {
	e := payments.LedgerEntry{ID: t.TransactionKey, Reference: t.PaymentKey, GatewayOrderID: t.OrderID,
		GatewayStatus: t.Status, Currency: t.Currency, At: t.TransactionAt}
	amount := payments.Amount(t.Amount)
	switch {
	case t.Status == statusCanceled || t.Status == statusPartialCanceled:
		e.Kind, e.RefundReference = payments.LedgerRefund, t.TransactionKey
		e.Amount = -max(amount, -amount)
	case amount == 0:
		e.Kind = payments.LedgerOther
	default:
		e.Kind, e.Amount = payments.LedgerPayment, amount
		e.Status = (&Payment{Status: t.Status, BalanceAmount: t.Amount, TotalAmount: t.Amount}).UnifiedStatus()
	}
	e.Net = e.Amount
	return e
}

func settlementEntry(s *Settlement) payments.LedgerEntry {
	at := s.ApprovedAt
	if !s.CanceledAt.IsZero() {
		at = s.CanceledAt
	}
	fee := payments.Amount(s.Fee())
	return payments.LedgerEntry{Kind: payments.LedgerFee, ID: s.TransactionKey, Reference: s.PaymentKey,
		GatewayOrderID: s.OrderID, Currency: s.Currency, Fee: fee, Net: -fee, At: at,
		PayoutDate: s.PaidOutDate, Payout: payments.Amount(s.PayOutAmount)}
}
