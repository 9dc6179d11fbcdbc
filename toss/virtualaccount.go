package toss

import (
	"net/http"
	"strings"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/banks"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// VirtualAccountBody is the body of POST /virtual-account.
type VirtualAccountBody struct {
	OrderNumber string `json:"order_number"`
	// Amount must equal the order's amount.
	Amount int64 `json:"amount"`
	// OrderName is checked (1–100 characters); Toss is sent the order's
	// own name from the application's Orders.
	OrderName    string `json:"order_name"`
	CustomerName string `json:"customer_name"`
	// Bank is a Toss bank code ("20"), or a Korean ("우리") or English
	// ("WOORI") bank name.
	Bank string `json:"bank"`
	// ValidHours (1–2160) or DueDate, not both; neither means Toss's
	// default (7 days).
	ValidHours *int `json:"valid_hours,omitempty"`
	// DueDate is RFC 3339 ("2026-01-31T23:59:59+09:00") or Toss's
	// local form "2026-01-31T23:59:59", read in Korea time.
	DueDate       string           `json:"due_date,omitempty"`
	CustomerEmail string           `json:"customer_email,omitempty"`
	CashReceipt   *CashReceiptBody `json:"cash_receipt,omitempty"`
}

// CashReceiptBody asks for a Korean cash receipt with a virtual account.
type CashReceiptBody struct {
	// Type is 소득공제 (income deduction), 지출증빙 (proof of expense) or
	// 미발행 (no receipt).
	Type string `json:"type"`
	// RegistrationNumber is a phone, cash-receipt card or business
	// registration number (digits; hyphens are removed); empty with 미발행.
	RegistrationNumber string `json:"registration_number,omitempty"`
}

// VirtualAccountResponse is the answer to POST /virtual-account.
type VirtualAccountResponse struct {
	OrderNumber   string            `json:"order_number"`
	Status        payments.Status   `json:"status"`
	Amount        payments.Amount   `json:"amount"`
	Currency      payments.Currency `json:"currency"`
	Bank          string            `json:"bank"`
	AccountNumber string            `json:"account_number"`
	Holder        string            `json:"holder"`
	// DueDate is when the account stops taking the deposit, in Korea
	// time (RFC 3339); empty if Toss gave none.
	DueDate string `json:"due_date"`
}

// maxValidHours is the longest deposit window the handler accepts: 90
// days, as the reference of POST /v1/virtual-accounts gives it
// (https://docs.tosspayments.com/reference#가상계좌-발급-요청).
const maxValidHours = 2160

func (h *handler) virtualAccount(w http.ResponseWriter, r *http.Request) {
	var req VirtualAccountBody
	if err := web.Decode(w, r, &req); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	sreq, err := req.validate(h.now())
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	if _, err := h.krwOrder(ctx, req.OrderNumber); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	p, err := h.svc.IssueVirtualAccount(ctx, sreq)
	if err != nil {
		h.logError(ctx, "toss: virtual account", err, "order", req.OrderNumber)
		httpjson.WriteError(w, err)
		return
	}
	va := p.VirtualAccount
	if va == nil {
		h.log.ErrorContext(ctx, "toss: issued virtual account has no account details", "order", p.OrderNumber, "status", p.Status)
		httpjson.WriteError(w, &payments.Error{Code: payments.CodeGatewayError, Message: "the gateway returned no virtual account"})
		return
	}
	h.log.InfoContext(ctx, "toss: virtual account issued", "order", p.OrderNumber, "bank", va.Bank, "status", p.Status)
	out := VirtualAccountResponse{
		OrderNumber: p.OrderNumber, Status: p.Status, Amount: p.Amount, Currency: p.Currency,
		Bank: va.Bank, AccountNumber: va.AccountNumber, Holder: va.Holder,
	}
	if !va.DueDate.IsZero() {
		out.DueDate = va.DueDate.In(kst).Format(time.RFC3339)
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (req *VirtualAccountBody) validate(now time.Time) (payments.VirtualAccountRequest, error) {
	var out payments.VirtualAccountRequest
	if err := checkOrderNumber(req.OrderNumber); err != nil {
		return out, err
	}
	if req.Amount <= 0 {
		return out, web.Invalid("amount is required and must be a positive integer")
	}
	if err := web.Text("order_name", req.OrderName, true, 100); err != nil {
		return out, err
	}
	if err := web.Text("customer_name", req.CustomerName, true, 100); err != nil {
		return out, err
	}
	if err := web.Email("customer_email", req.CustomerEmail); err != nil {
		return out, err
	}
	if req.Bank == "" {
		return out, web.Invalid("bank is required")
	}
	code, ok := banks.Normalize(req.Bank)
	if !ok {
		return out, web.Invalid(`bank is not a known bank (give a Toss bank code such as "20", or a Korean or English bank name)`)
	}
	out = payments.VirtualAccountRequest{
		OrderNumber: req.OrderNumber, Gateway: gatewayName, Amount: payments.Amount(req.Amount), Bank: code,
		CustomerName: strings.TrimSpace(req.CustomerName), CustomerEmail: strings.TrimSpace(req.CustomerEmail),
	}
	if req.ValidHours != nil && req.DueDate != "" {
		return out, web.Invalid("give valid_hours or due_date, not both")
	}
	if req.ValidHours != nil {
		if *req.ValidHours < 1 || *req.ValidHours > maxValidHours {
			return out, web.Invalid("valid_hours must be between 1 and %d", maxValidHours)
		}
		out.ValidHours = *req.ValidHours
	}
	if req.DueDate != "" {
		t, err := parseDueDate(req.DueDate)
		if err != nil {
			return out, err
		}
		if !t.After(now) {
			return out, web.Invalid("due_date must be in the future")
		}
		if t.Sub(now) > maxValidHours*time.Hour {
			return out, web.Invalid("due_date must be within %d days", maxValidHours/24)
		}
		out.DueDate = t
	}
	if cr := req.CashReceipt; cr != nil {
		// 소득공제 and 지출증빙 ask for a receipt issued to a registration
		// number; 미발행 asks for none and takes no number
		// (https://docs.tosspayments.com/reference#가상계좌-발급-요청).
		num := strings.ReplaceAll(strings.TrimSpace(cr.RegistrationNumber), "-", "")
		switch cr.Type {
		case "소득공제", "지출증빙":
			if len(num) > 30 || !web.Digits(num) {
				return out, web.Invalid("cash_receipt.registration_number is required: digits, at most 30")
			}
		case "미발행":
			if num != "" {
				return out, web.Invalid("cash_receipt.registration_number must be empty with type 미발행 (no receipt)")
			}
		default:
			return out, web.Invalid("cash_receipt.type must be 소득공제, 지출증빙 or 미발행")
		}
		out.CashReceipt = &payments.CashReceipt{Type: cr.Type, RegistrationNumber: num}
	}
	return out, nil
}

// parseDueDate reads RFC 3339, or Toss's yyyy-MM-ddTHH:mm:ss in Korea
// time.
func parseDueDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, kst); err == nil {
		return t, nil
	}
	return time.Time{}, web.Invalid("due_date must be RFC 3339 (2026-01-31T23:59:59+09:00) or yyyy-MM-ddTHH:mm:ss in Korea time")
}
