package tosstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"
)

// The ledger operations, as recorded in [Call.Op].
const (
	OpTransactions Op = "transactions" // GET /v1/transactions
	OpSettlements  Op = "settlements"  // GET /v1/settlements
)

// maxLedgerPage is the largest limit (transactions) and size
// (settlements) Toss accepts
// (https://docs.tosspayments.com/reference#거래-조회).
const maxLedgerPage = 5000

// LedgerConfig configures the fake's transactions and settlements. The
// zero value is a working default.
type LedgerConfig struct {
	// FeeRate is the BASE fee of a settlement row, in hundredths of a
	// percent of its amount; default 320 (3.2%). Toss's rates are set per
	// merchant contract and are not public; the fake's fee is a round
	// figure. The fee's VAT is a tenth of its supply value.
	FeeRate int64
	// PayoutDays is how many days after its sale day (soldDate) a row is
	// paid out (paidOutDate); default 2.
	PayoutDays int
	// NegativeCancelAmounts makes cancel rows of /v1/transactions carry a
	// negative amount. By default they carry the cancel's amount as a
	// positive number and the status (CANCELED, PARTIAL_CANCELED) says
	// what it is; the public docs show neither. Settlement rows of cancels
	// are always negative (amount, fees and payOutAmount), as money
	// taken back.
	NegativeCancelAmounts bool
}

// Transaction is one row of GET /v1/transactions
// (https://docs.tosspayments.com/reference#transaction-객체): one per
// approval, per cancel, and for a virtual account one for its issue
// (amount 0) and one for its deposit.
type Transaction struct {
	MID            string `json:"mId"`
	TransactionKey string `json:"transactionKey"`
	PaymentKey     string `json:"paymentKey"`
	OrderID        string `json:"orderId"`
	Method         string `json:"method"`
	CustomerKey    string `json:"customerKey"`
	UseEscrow      bool   `json:"useEscrow"`
	ReceiptURL     string `json:"receiptUrl"`
	Status         string `json:"status"`
	TransactionAt  string `json:"transactionAt"`
	Currency       string `json:"currency"`
	Amount         int64  `json:"amount"`
}

// Settlement is one row of GET /v1/settlements
// (https://docs.tosspayments.com/reference#settlement-객체): one per
// approval or cancel, with the fees Toss keeps and the day it pays out.
type Settlement struct {
	MID            string          `json:"mId"`
	PaymentKey     string          `json:"paymentKey"`
	TransactionKey string          `json:"transactionKey"`
	OrderID        string          `json:"orderId"`
	Currency       string          `json:"currency"`
	Method         string          `json:"method"`
	Amount         int64           `json:"amount"`
	InterestFee    int64           `json:"interestFee"`
	Fees           []SettlementFee `json:"fees"`
	SupplyAmount   int64           `json:"supplyAmount"`
	VAT            int64           `json:"vat"`
	PayOutAmount   int64           `json:"payOutAmount"`
	ApprovedAt     string          `json:"approvedAt"`
	SoldDate       string          `json:"soldDate"`
	PaidOutDate    string          `json:"paidOutDate"`
	Cancel         *Cancel         `json:"cancel"`
}

// SettlementFee is one element of Settlement.fees.
type SettlementFee struct {
	Type         string `json:"type"`
	Fee          int64  `json:"fee"`
	SupplyAmount int64  `json:"supplyAmount"`
	VAT          int64  `json:"vat"`
}

// ledgerState is what the discrepancy controls changed in the ledger.
type ledgerState struct {
	hidden  map[string]bool // transaction keys, or payment keys for every row
	changed map[string][]func(*Transaction)
}

// row is a transaction with the time it sorts by.
type row struct {
	at time.Time
	tx Transaction
	// cancel is the cancel the row represents, nil for others.
	cancel *Cancel
}

// ledgerLocked returns the rows of the merchant key (of every merchant
// when all is set), in time order, with the discrepancy controls applied.
func (s *Server) ledgerLocked(key string, all bool) []row {
	var out []row
	for _, rec := range s.records {
		if !all && !rec.visibleTo(key) {
			continue
		}
		p := &rec.p
		method := ""
		if p.Method != nil {
			method = *p.Method
		}
		base := Transaction{MID: p.MID, PaymentKey: p.PaymentKey, OrderID: p.OrderID, Method: method,
			UseEscrow: p.UseEscrow, Currency: p.Currency}
		if p.Receipt != nil {
			base.ReceiptURL = p.Receipt.URL
		}
		add := func(at time.Time, txKey, status string, amount int64, c *Cancel) {
			t := base
			t.TransactionKey, t.Status, t.Amount, t.TransactionAt = txKey, status, amount, s.fmtTime(at)
			if s.ledger.hidden[txKey] || s.ledger.hidden[p.PaymentKey] {
				return
			}
			changes := s.ledger.changed[txKey]
			if txKey == rec.approvalTx {
				changes = append(changes, s.ledger.changed[p.PaymentKey]...)
			}
			for _, f := range changes {
				f(&t)
			}
			out = append(out, row{at: at, tx: t, cancel: c})
		}
		// The keys of the issue and approval rows are drawn when the ledger
		// first shows them, and kept: later changes of the payment
		// overwrite its lastTransactionKey.
		if p.VirtualAccount != nil {
			if rec.vaIssueTx == "" {
				rec.vaIssueTx = newVirtualAccountTransactionKey()
			}
			add(rec.created, rec.vaIssueTx, StatusWaitingForDeposit, 0, nil)
		}
		if p.ApprovedAt != nil {
			at, err := time.Parse(time.RFC3339, *p.ApprovedAt)
			if err == nil {
				if rec.approvalTx == "" {
					rec.approvalTx = newTransactionKey()
					if p.VirtualAccount != nil {
						rec.approvalTx = newVirtualAccountTransactionKey()
					}
				}
				add(at, rec.approvalTx, StatusDone, p.TotalAmount, nil)
			}
		}
		if p.ApprovedAt == nil {
			// A virtual account canceled before its deposit moved no
			// money: no cancel row.
			continue
		}
		left := p.TotalAmount
		for i := range p.Cancels {
			c := &p.Cancels[i]
			at, err := time.Parse(time.RFC3339, c.CanceledAt)
			if err != nil {
				continue
			}
			left -= c.CancelAmount
			status := StatusPartialCanceled
			if left <= 0 {
				status = StatusCanceled
			}
			amount := c.CancelAmount
			if s.cfg.Ledger.NegativeCancelAmounts {
				amount = -amount
			}
			cc := *c
			add(at, c.TransactionKey, status, amount, &cc)
		}
	}
	// Oldest first; rows of the same instant in the order they were made.
	slices.SortStableFunc(out, func(a, b row) int { return a.at.Compare(b.at) })
	return out
}

// ledgerView is a merchant's ledger built once: its rows, each
// transactionKey's first row, and the settlement rows of the queries
// asked.
type ledgerView struct {
	rows        []row
	index       map[string]int
	settlements map[string][]Settlement
}

// ledgerViewLocked returns the ledger of merchant key, built again only
// after a change (see [Server.lock]).
func (s *Server) ledgerViewLocked(key string) *ledgerView {
	if v := s.ledgerCache[key]; v != nil {
		return v
	}
	v := &ledgerView{rows: s.ledgerLocked(key, false), settlements: map[string][]Settlement{}}
	v.index = make(map[string]int, len(v.rows))
	for i, r := range v.rows {
		if _, dup := v.index[r.tx.TransactionKey]; !dup {
			v.index[r.tx.TransactionKey] = i
		}
	}
	if s.ledgerCache == nil {
		s.ledgerCache = map[string]*ledgerView{}
	}
	s.ledgerCache[key] = v
	return v
}

// parseLedgerTime reads a startDate or endDate: yyyy-MM-ddTHH:mm:ss in
// Korean time, a date alone meaning its midnight
// (https://docs.tosspayments.com/reference#거래-조회).
func (s *Server) parseLedgerTime(v string) (time.Time, bool) {
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", v, s.kst); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, s.kst); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// ledgerRange reads startDate and endDate, both required; endDate is
// inclusive.
func (s *Server) ledgerRange(q url.Values) (time.Time, time.Time, *Error) {
	from, ok1 := s.parseLedgerTime(q.Get("startDate"))
	to, ok2 := s.parseLedgerTime(q.Get("endDate"))
	if !ok1 || !ok2 || to.Before(from) {
		return time.Time{}, time.Time{}, apiError("INVALID_REQUEST")
	}
	return from, to, nil
}

// pageParam reads a positive page-size parameter with its default; over
// 5000 is EXCEED_MAX_QUERY_LIMIT
// (https://docs.tosspayments.com/reference/error-codes).
func pageParam(q url.Values, name string, def int) (int, *Error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, apiError("INVALID_REQUEST")
	}
	if n > maxLedgerPage {
		return 0, apiError("EXCEED_MAX_QUERY_LIMIT")
	}
	return n, nil
}

func jsonResult(v any) result {
	b, err := json.Marshal(v)
	if err != nil {
		return errResult(apiError("FAILED_INTERNAL_SYSTEM_PROCESSING"))
	}
	return result{status: http.StatusOK, body: b}
}

// transactions is GET /v1/transactions
// (https://docs.tosspayments.com/reference#거래-조회): the merchant's rows
// with transactionAt in [startDate, endDate], oldest first, after the
// row startingAfter names (exclusive), at most limit (default 100, at
// most 5000), as a bare JSON array with no paging envelope.
func (s *Server) transactions(c *apiCtx) result {
	q := c.r.URL.Query()
	from, to, e := s.ledgerRange(q)
	if e != nil {
		return errResult(e)
	}
	limit, e := pageParam(q, "limit", 100)
	if e != nil {
		return errResult(e)
	}
	after := q.Get("startingAfter")
	s.mu.Lock() // a read: the ledger cached stays valid
	defer s.mu.Unlock()
	v := s.ledgerViewLocked(c.key)
	rows := v.rows
	out := []Transaction{}
	start := 0
	if after != "" {
		i, ok := v.index[after]
		if !ok {
			return jsonResult(out)
		}
		start = i + 1
	}
	// The rows are in time order: those of [from, to] are one run.
	start = max(start, sort.Search(len(rows), func(i int) bool { return !rows[i].at.Before(from) }))
	for _, r := range rows[min(start, len(rows)):] {
		if r.at.After(to) || len(out) == limit {
			break
		}
		out = append(out, r.tx)
	}
	return jsonResult(out)
}

// settlements is GET /v1/settlements
// (https://docs.tosspayments.com/reference#정산-조회): one row per
// approval and cancel whose soldDate (dateType=soldDate, the default) or
// paidOutDate (dateType=paidOutDate) is in [startDate, endDate], page by
// page (page from 1, size default 100, at most 5000).
func (s *Server) settlements(c *apiCtx) result {
	q := c.r.URL.Query()
	from, to, e := s.ledgerRange(q)
	if e != nil {
		return errResult(e)
	}
	dateType := q.Get("dateType")
	if dateType == "" {
		dateType = "soldDate"
	}
	if dateType != "soldDate" && dateType != "paidOutDate" {
		return errResult(apiError("INVALID_REQUEST"))
	}
	size, e := pageParam(q, "size", 100)
	if e != nil {
		return errResult(e)
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errResult(apiError("INVALID_REQUEST"))
		}
		page = n
	}
	fromDay, toDay := from.In(s.kst).Format(time.DateOnly), to.In(s.kst).Format(time.DateOnly)
	s.mu.Lock() // a read: the ledger cached stays valid
	defer s.mu.Unlock()
	v := s.ledgerViewLocked(c.key)
	// The rows of the query, all pages, made once for paging through.
	q3 := dateType + " " + fromDay + " " + toDay
	all, ok := v.settlements[q3]
	if !ok {
		for _, r := range v.rows {
			st, ok := s.settlementOf(r)
			if !ok {
				continue
			}
			day := st.SoldDate
			if dateType == "paidOutDate" {
				day = st.PaidOutDate
			}
			if day < fromDay || day > toDay {
				continue
			}
			all = append(all, st)
		}
		v.settlements[q3] = all
	}
	out := []Settlement{}
	if skip := (page - 1) * size; skip < len(all) {
		out = append(out, all[skip:min(skip+size, len(all))]...)
	}
	return jsonResult(out)
}

// settlementOf is the settlement row of a transaction row: none for a
// virtual account's issue.
func (s *Server) settlementOf(r row) (Settlement, bool) {
	t := r.tx
	if t.Amount == 0 {
		return Settlement{}, false
	}
	rate := s.cfg.Ledger.FeeRate
	if rate == 0 {
		rate = 320
	}
	days := s.cfg.Ledger.PayoutDays
	if days == 0 {
		days = 2
	}
	amount := t.Amount
	if r.cancel != nil && amount > 0 {
		amount = -amount
	}
	fee := amount * rate / 10000
	vat := fee / 11
	sold := r.at.In(s.kst)
	return Settlement{
		MID: t.MID, PaymentKey: t.PaymentKey, TransactionKey: t.TransactionKey, OrderID: t.OrderID,
		Currency: t.Currency, Method: t.Method, Amount: amount,
		Fees:         []SettlementFee{{Type: "BASE", Fee: fee, SupplyAmount: fee - vat, VAT: vat}},
		SupplyAmount: fee - vat, VAT: vat, PayOutAmount: amount - fee,
		ApprovedAt: s.fmtTime(r.at), SoldDate: sold.Format(time.DateOnly),
		PaidOutDate: sold.AddDate(0, 0, days).Format(time.DateOnly), Cancel: r.cancel,
	}, true
}

// ApproveOutside approves a card payment of amount for orderID as if the
// merchant had taken it through another integration (the dashboard, an
// old server): a DONE payment, in the ledger, that the library never
// asked for. It returns the paymentKey.
func (s *Server) ApproveOutside(orderID string, amount int64) (string, error) {
	key, e := s.authorize(PaymentWindow{OrderID: orderID, Amount: amount, OrderName: "outside", Method: methodCard}, keyAPI)
	if e != nil {
		return "", e
	}
	s.lock()
	defer s.mu.Unlock()
	rec := s.payments[key]
	rec.claim(s.windowOwner())
	s.dispatchLocked(s.approveLocked(rec, s.nowLocked()))
	return key, nil
}

// CancelOutside cancels amount of the payment with paymentKey (all that
// is left when amount is 0) as if the merchant had done it in the Toss
// dashboard: a cancel the library never asked for, with the same rules
// and webhooks as POST /v1/payments/{paymentKey}/cancel.
func (s *Server) CancelOutside(paymentKey string, amount int64) error {
	s.lock()
	rec := s.payments[paymentKey]
	owner := ""
	if rec != nil {
		owner = rec.owner
	}
	s.mu.Unlock()
	if rec == nil {
		return fmt.Errorf("tosstest: CancelOutside: no payment %q", paymentKey)
	}
	body := map[string]any{"cancelReason": "dashboard"}
	if amount > 0 {
		body["cancelAmount"] = amount
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, "/v1/payments/"+paymentKey+"/cancel", nil)
	req.SetPathValue("paymentKey", paymentKey)
	res := s.cancelPayment(&apiCtx{r: req, key: owner, body: b})
	s.lock()
	s.dispatchLocked(res.hooks)
	s.mu.Unlock()
	if res.status != http.StatusOK {
		return fmt.Errorf("tosstest: CancelOutside: %s", res.code)
	}
	return nil
}

// HideTransaction leaves rows out of /v1/transactions and
// /v1/settlements, as if Toss had lost them: the row with that
// transactionKey, or every row of the payment with that paymentKey.
func (s *Server) HideTransaction(key string) {
	s.lock()
	defer s.mu.Unlock()
	if s.ledger.hidden == nil {
		s.ledger.hidden = make(map[string]bool)
	}
	s.ledger.hidden[key] = true
}

// AlterTransaction makes /v1/transactions (and the settlement rows made
// from it) report a row as change leaves it (another amount, another
// status): the row with transactionKey key, or the approval row of the
// payment with paymentKey key.
func (s *Server) AlterTransaction(key string, change func(*Transaction)) {
	s.lock()
	defer s.mu.Unlock()
	if s.ledger.changed == nil {
		s.ledger.changed = make(map[string][]func(*Transaction))
	}
	s.ledger.changed[key] = append(s.ledger.changed[key], change)
}

// Transactions returns the rows of /v1/transactions of every merchant,
// oldest first, with the discrepancy controls applied.
func (s *Server) Transactions() []Transaction {
	s.lock()
	defer s.mu.Unlock()
	rows := s.ledgerLocked("", true)
	out := make([]Transaction, len(rows))
	for i, r := range rows {
		out[i] = r.tx
	}
	return out
}
