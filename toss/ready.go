package toss

import (
	"net/http"
	"strings"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// ReadyRequest is the body of POST /ready.
type ReadyRequest struct {
	OrderNumber string `json:"order_number"`
	// Amount must equal the order's amount (409 amount_mismatch).
	Amount    int64  `json:"amount"`
	OrderName string `json:"order_name"`
	// Method is CARD, VIRTUAL_ACCOUNT, TRANSFER, MOBILE or EASY_PAY.
	Method string `json:"method"`
	// SuccessURL and FailURL are the shop's pages, on an allowed origin.
	SuccessURL    string `json:"success_url"`
	FailURL       string `json:"fail_url"`
	CustomerName  string `json:"customer_name,omitempty"`
	CustomerEmail string `json:"customer_email,omitempty"`
	// EasyPayProvider, with method EASY_PAY only: TOSSPAY, NAVERPAY,
	// KAKAOPAY, SAMSUNGPAY, APPLEPAY, LPAY, PAYCO, SSG or PINPAY.
	EasyPayProvider string `json:"easy_pay_provider,omitempty"`
	// Capture is refused whatever its value (400 invalid_request): Toss
	// has no separate capture, its payments are captured when confirmed
	// (https://docs.tosspayments.com/reference#결제-승인).
	Capture string `json:"capture,omitempty"`
}

// ReadyResponse is the answer to POST /ready.
type ReadyResponse struct {
	OrderNumber string            `json:"order_number"`
	Status      payments.Status   `json:"status"`
	Amount      payments.Amount   `json:"amount"`
	Currency    payments.Currency `json:"currency"`
	Toss        ReadyWindow       `json:"toss"`
}

// ReadyWindow holds the parameters of the Toss payment window (the v2
// SDK's requestPayment), in the "toss" object of [ReadyResponse].
type ReadyWindow struct {
	ClientKey string `json:"client_key"`
	// OrderID is the Toss orderId of this attempt.
	OrderID   string          `json:"order_id"`
	OrderName string          `json:"order_name"`
	Amount    payments.Amount `json:"amount"`
	// Method is the v2 SDK's method: CARD, VIRTUAL_ACCOUNT, TRANSFER or
	// MOBILE_PHONE (EASY_PAY is CARD).
	Method string `json:"method"`
	// EasyPayProvider, when set, goes to card.easyPay with
	// card.flowMode "DIRECT".
	EasyPayProvider string `json:"easy_pay_provider"`
	CustomerName    string `json:"customer_name"`
	CustomerEmail   string `json:"customer_email"`
	// SuccessURL and FailURL are the handler's own callbacks.
	SuccessURL string `json:"success_url"`
	FailURL    string `json:"fail_url"`
	// Request is the same, as the exact object a page passes as it is to
	// the v2 SDK's payment.requestPayment(…).
	Request PaymentRequest `json:"request"`
}

// PaymentRequest is the argument of the v2 SDK's payment.requestPayment
// in redirect mode, as Toss's published definitions type it
// (npm @tosspayments/tosspayments-sdk, types/index.d.ts: CardPaymentRequest,
// VirtualAccountPaymentRequest, TransferPaymentRequest and
// MobilePhonePaymentRequest, each WithRedirection): camelCase keys, the
// SDK's method names, the amount as {currency, value}, and no empty
// fields. A test type-checks what the handler emits against those
// definitions with tsc --strict.
type PaymentRequest struct {
	// Method is CARD, VIRTUAL_ACCOUNT, TRANSFER or MOBILE_PHONE.
	Method string        `json:"method"`
	Amount RequestAmount `json:"amount"`
	// OrderID is the attempt's Toss orderId: 6–64 of A-Za-z0-9-_ (the SDK
	// also allows "="; the library never sends it).
	OrderID string `json:"orderId"`
	// OrderName is 1–100 characters.
	OrderName string `json:"orderName"`
	// SuccessURL and FailURL are the handler's own callbacks.
	SuccessURL          string `json:"successUrl"`
	FailURL             string `json:"failUrl"`
	CustomerName        string `json:"customerName,omitempty"`
	CustomerEmail       string `json:"customerEmail,omitempty"`
	CustomerMobilePhone string `json:"customerMobilePhone,omitempty"`
	// Card is set for an easy-pay provider: the card window opened
	// directly in that wallet.
	Card *CardOptions `json:"card,omitempty"`
}

// RequestAmount is PaymentRequest.amount: Value in Currency (KRW).
type RequestAmount struct {
	Currency string          `json:"currency"`
	Value    payments.Amount `json:"value"`
}

// CardOptions is CardPaymentRequest.card as the handler fills it: flowMode
// DIRECT with easyPay opens the wallet's own window, where DEFAULT would
// open the combined card and easy-pay window and ignore easyPay (the
// SDK's definitions of card.flowMode and card.easyPay).
type CardOptions struct {
	FlowMode string `json:"flowMode,omitempty"`
	EasyPay  string `json:"easyPay,omitempty"`
}

// sdkMethods maps the API's methods to the v2 SDK's.
var sdkMethods = map[payments.Method]string{
	payments.MethodCard:           "CARD",
	payments.MethodVirtualAccount: "VIRTUAL_ACCOUNT",
	payments.MethodTransfer:       "TRANSFER",
	payments.MethodMobile:         "MOBILE_PHONE",
	payments.MethodEasyPay:        "CARD",
}

var easyPayProviders = map[string]bool{
	"TOSSPAY": true, "NAVERPAY": true, "KAKAOPAY": true, "SAMSUNGPAY": true, "APPLEPAY": true,
	"LPAY": true, "PAYCO": true, "SSG": true, "PINPAY": true,
}

func (h *handler) ready(w http.ResponseWriter, r *http.Request) {
	var req ReadyRequest
	if err := web.Decode(w, r, &req); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	method, err := req.validate()
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if err := h.origins.Check("success_url", req.SuccessURL); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if err := h.origins.Check("fail_url", req.FailURL); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	order, err := h.krwOrder(ctx, req.OrderNumber)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	prep, err := h.svc.Prepare(ctx, payments.PrepareRequest{
		OrderNumber: req.OrderNumber, Gateway: gatewayName, Method: method,
		Amount: payments.Amount(req.Amount), SuccessURL: req.SuccessURL, FailURL: req.FailURL,
	})
	if err != nil {
		h.logError(ctx, "toss: ready", err, "order", req.OrderNumber)
		httpjson.WriteError(w, err)
		return
	}
	a := prep.Attempt
	if !validOrderID(a.GatewayOrderID) {
		httpjson.WriteError(w, web.Invalid("the Toss order id %q of this attempt is not 6–64 of A-Za-z0-9-_; use shorter order numbers",
			web.Clip(a.GatewayOrderID, 80)))
		return
	}
	name, email := strings.TrimSpace(req.CustomerName), strings.TrimSpace(req.CustomerEmail)
	if name == "" {
		name = order.Customer.Name
	}
	if email == "" {
		email = order.Customer.Email
	}
	h.log.InfoContext(ctx, "toss: payment attempt ready", "order", order.Number, "gateway_order_id", a.GatewayOrderID, "method", method)
	win := ReadyWindow{
		ClientKey:       h.clientKey,
		OrderID:         a.GatewayOrderID,
		OrderName:       strings.TrimSpace(req.OrderName),
		Amount:          order.Amount,
		Method:          sdkMethods[method],
		EasyPayProvider: strings.ToUpper(strings.TrimSpace(req.EasyPayProvider)),
		CustomerName:    name,
		CustomerEmail:   email,
		SuccessURL:      h.callbackBase + "/success",
		FailURL:         h.callbackBase + "/fail",
	}
	win.Request = PaymentRequest{
		Method:              win.Method,
		Amount:              RequestAmount{Currency: string(order.Currency), Value: order.Amount},
		OrderID:             win.OrderID,
		OrderName:           win.OrderName,
		SuccessURL:          win.SuccessURL,
		FailURL:             win.FailURL,
		CustomerName:        win.CustomerName,
		CustomerEmail:       win.CustomerEmail,
		CustomerMobilePhone: mobilePhone(order.Customer.Phone),
	}
	if win.EasyPayProvider != "" {
		win.Request.Card = &CardOptions{FlowMode: "DIRECT", EasyPay: win.EasyPayProvider}
	}
	httpjson.Write(w, http.StatusOK, ReadyResponse{
		OrderNumber: order.Number,
		Status:      a.Status,
		Amount:      order.Amount,
		Currency:    order.Currency,
		Toss:        win,
	})
}

// mobilePhone returns a phone number as Toss takes it (8–15 digits, no
// dashes or blanks), or "" when it is not one.
func mobilePhone(s string) string {
	phone := strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(phone) < 8 || len(phone) > 15 || !web.Digits(phone) {
		return ""
	}
	return phone
}

func (req *ReadyRequest) validate() (payments.Method, error) {
	if err := checkOrderNumber(req.OrderNumber); err != nil {
		return "", err
	}
	if req.Capture != "" {
		return "", errNoSeparateCapture
	}
	if req.Amount <= 0 {
		return "", web.Invalid("amount is required and must be a positive integer")
	}
	if err := web.Text("order_name", req.OrderName, true, 100); err != nil {
		return "", err
	}
	m := payments.Method(req.Method)
	if _, ok := sdkMethods[m]; !ok {
		return "", web.Invalid("method must be one of CARD, VIRTUAL_ACCOUNT, TRANSFER, MOBILE, EASY_PAY")
	}
	if err := web.Text("customer_name", req.CustomerName, false, 100); err != nil {
		return "", err
	}
	if err := web.Email("customer_email", req.CustomerEmail); err != nil {
		return "", err
	}
	if p := req.EasyPayProvider; p != "" {
		if m != payments.MethodEasyPay {
			return "", web.Invalid("easy_pay_provider is only allowed with method EASY_PAY")
		}
		if !easyPayProviders[strings.ToUpper(strings.TrimSpace(p))] {
			return "", web.Invalid("easy_pay_provider must be one of TOSSPAY, NAVERPAY, KAKAOPAY, SAMSUNGPAY, APPLEPAY, LPAY, PAYCO, SSG, PINPAY")
		}
	}
	return m, nil
}

// errNoSeparateCapture answers a Toss request that asks for a capture
// method. Toss has no authorisation-only payment: the confirm
// (https://docs.tosspayments.com/reference#결제-승인) takes the money, and
// a cancel before the card company's acquisition is a void, after it a
// refund, through the same cancel API.
var errNoSeparateCapture = web.Invalid("capture is not supported: Toss has no separate capture, a Toss payment is captured when it is confirmed")
