package tosstest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// SDKError is a refusal by the v2 browser SDK itself, before any request
// reaches Toss: the SDK throws it from TossPayments(…).payment(…) or from
// requestPayment(…) (@tosspayments/tosspayments-sdk 2.8.1, types/index.d.ts,
// the @throws of each function). The sandbox payment window shows it
// instead of opening, as the SDK would.
type SDKError struct {
	// Name is the SDK's error name, e.g. InvalidParametersError.
	Name string
	// Message says what was wrong.
	Message string
}

// Error implements the error interface.
func (e *SDKError) Error() string { return "tosstest: SDK " + e.Name + ": " + e.Message }

func sdkErr(name, format string, args ...any) *SDKError {
	return &SDKError{Name: name, Message: fmt.Sprintf(format, args...)}
}

// The keys the SDK's definitions allow in requestPayment's argument: those
// of PaymentRequest and WithRedirection, and the option object of each
// method (CardPaymentRequest.card and so on). TypeScript refuses any other
// key in an object literal; so does the sandbox.
var (
	sdkBaseKeys = []string{"amount", "orderName", "orderId", "customerName", "customerEmail", "customerMobilePhone",
		"taxFreeAmount", "windowTarget", "pendingUrl", "metadata", "orderProductCode", "sandbox", "subOrders",
		"successUrl", "failUrl", "method"}
	sdkMethodObject = map[string]string{
		"CARD": "card", "VIRTUAL_ACCOUNT": "virtualAccount", "TRANSFER": "transfer", "MOBILE_PHONE": "mobilePhone",
		"FOREIGN_EASY_PAY": "foreignEasyPay",
	}
	sdkCardKeys = []string{"useEscrow", "taxExemptionAmount", "flowMode", "cardCompany", "easyPay", "cardInstallmentPlan",
		"maxCardInstallmentPlan", "freeInstallmentPlans", "useCardPoint", "useAppCardOnly", "discountCode", "validHours",
		"dueDate", "escrowProducts", "useInternationalCardOnly", "language", "showEstimatedAmount", "threeDS", "appScheme",
		"keyin", "showMobileAppHeader", "affiliateCards", "dividedSettlements"}
	sdkVirtualAccountKeys = []string{"taxExemptionAmount", "cashReceipt", "useEscrow", "escrowProducts", "validHours",
		"dueDate", "isCulturalExpenses", "showCustomerMobilePhone", "refundReceiveAccount"}
	sdkTransferKeys = []string{"taxExemptionAmount", "cashReceipt", "useEscrow", "escrowProducts", "validHours", "dueDate",
		"isCulturalExpenses", "encryptedCustomerCi", "showSecuritiesAccount", "provider", "dividedSettlements"}
	sdkMobilePhoneKeys = []string{"mobileCarriers"}
	sdkMethods         = []string{"CARD", "VIRTUAL_ACCOUNT", "TRANSFER", "MOBILE_PHONE", "CULTURE_GIFT_CERTIFICATE",
		"BOOK_GIFT_CERTIFICATE", "GAME_GIFT_CERTIFICATE", "FOREIGN_EASY_PAY"}
	sdkCarriers = []string{"KT", "LGU", "SKT", "HELLO", "KCT", "SK7"}
)

// sdkMaxValidHours is the largest validHours the SDK's definitions allow
// for card, virtual-account and transfer payments (2160 hours, 90 days).
const sdkMaxValidHours = 2160

// windowFromRequest reads the JSON object a page passes to the v2 SDK's
// payment.requestPayment into a PaymentWindow, refusing what the SDK's
// definitions refuse: a key they do not have, a value of the wrong type,
// an unknown method or enum value, and the rules their documentation
// gives (orderId 6–64 of A-Za-z0-9-_=, orderName and customer fields at
// most 100 characters, customerMobilePhone 8–15 digits, metadata of at
// most 5 keys, validHours at most 2160, amount in KRW).
func windowFromRequest(raw string) (PaymentWindow, *SDKError) {
	var w PaymentWindow
	f, ok := decodeObject([]byte(raw))
	if !ok {
		return w, sdkErr("InvalidParametersError", "the payment request is not a JSON object")
	}
	method, present, ok := f.str("method")
	switch {
	case !ok || !present:
		return w, sdkErr("InvalidParametersError", "method is required")
	case !slices.Contains(sdkMethods, method):
		return w, sdkErr("NotSupportedMethodError", "method %q is not one of the SDK's methods", clip(method))
	}
	allowed := slices.Clone(sdkBaseKeys)
	if obj := sdkMethodObject[method]; obj != "" {
		allowed = append(allowed, obj)
	}
	if err := onlyKeys(f, "", allowed); err != nil {
		return w, err
	}
	w.Method = method

	amount, present, ok := f.obj("amount")
	if !ok || !present {
		return w, sdkErr("InvalidParametersError", "amount must be an object {currency, value}")
	}
	if err := onlyKeys(amount, "amount.", []string{"value", "currency"}); err != nil {
		return w, err
	}
	currency, hasCurrency, ok := amount.str("currency")
	if !ok || !hasCurrency {
		return w, sdkErr("InvalidParametersError", "amount.currency must be a string")
	}
	if currency != "KRW" {
		// "일반결제는 KRW만 지원합니다" (Amount.currency).
		return w, sdkErr("InvalidAmountCurrencyError", "amount.currency must be KRW")
	}
	raw2, has := amount["value"]
	if !has || isNull(raw2) || (raw2[0] != '-' && (raw2[0] < '0' || raw2[0] > '9')) {
		return w, sdkErr("InvalidParametersError", "amount.value must be a number")
	}
	value, present, e := amount.integer("value")
	switch {
	case e != nil || !present:
		return w, sdkErr("InvalidAmountValueError", "amount.value must be a whole number of won")
	case value < 0:
		return w, sdkErr("BelowZeroAmountError", "amount.value is below zero")
	}
	w.Amount, w.Currency = value, currency

	strField := func(name string, required bool, max int) (string, *SDKError) {
		v, present, ok := f.str(name)
		switch {
		case !ok:
			return "", sdkErr("InvalidParametersError", "%s must be a string", name)
		case required && (!present || v == ""):
			return "", sdkErr("InvalidParametersError", "%s is required", name)
		case max > 0 && utf8.RuneCountInString(v) > max:
			return "", sdkErr("InvalidParametersError", "%s must be at most %d characters", name, max)
		}
		return v, nil
	}
	var err *SDKError
	if w.OrderID, err = strField("orderId", true, 0); err != nil {
		return w, err
	}
	if !validOrderID(w.OrderID, false) {
		return w, sdkErr("InvalidParametersError", "orderId must be 6–64 of A-Za-z0-9 and - _ =")
	}
	if w.OrderName, err = strField("orderName", true, 100); err != nil {
		return w, err
	}
	if w.CustomerName, err = strField("customerName", false, 100); err != nil {
		return w, err
	}
	if w.CustomerEmail, err = strField("customerEmail", false, 100); err != nil {
		return w, err
	}
	if w.CustomerMobilePhone, err = strField("customerMobilePhone", false, 0); err != nil {
		return w, err
	}
	if p := w.CustomerMobilePhone; p != "" && (!allDigits(p) || len(p) < 8 || len(p) > 15) {
		return w, sdkErr("InvalidParametersError", "customerMobilePhone must be 8–15 digits")
	}
	if w.SuccessURL, err = strField("successUrl", false, 0); err != nil {
		return w, err
	}
	if w.FailURL, err = strField("failUrl", false, 0); err != nil {
		return w, err
	}
	for _, u := range []struct{ name, v, sdk string }{
		{"successUrl", w.SuccessURL, "IncorrectSuccessUrlFormatError"}, {"failUrl", w.FailURL, "IncorrectFailUrlFormatError"},
	} {
		// Redirect mode: both pages, with their origin ("오리진을 포함한
		// 형태로", WithRedirection). The sandbox has no promise mode.
		if pu, perr := url.Parse(u.v); u.v == "" || perr != nil || !pu.IsAbs() || pu.Host == "" {
			return w, sdkErr(u.sdk, "%s must be an absolute URL with its origin", u.name)
		}
	}
	if t, present, ok := f.str("windowTarget"); !ok || (present && t != "iframe" && t != "self") {
		return w, sdkErr("InvalidParametersError", "windowTarget must be iframe or self")
	}
	if n, present, e := f.integer("taxFreeAmount"); e != nil || (present && n < 0) {
		return w, sdkErr("InvalidParametersError", "taxFreeAmount must be a number")
	}
	if err := checkMetadata(f); err != nil {
		return w, err
	}

	obj := sdkMethodObject[method]
	opts, present, ok := f.obj(obj)
	if !ok {
		return w, sdkErr("InvalidParametersError", "%s must be an object", obj)
	}
	if !present {
		return w, nil
	}
	switch method {
	case "CARD":
		if err := onlyKeys(opts, "card.", sdkCardKeys); err != nil {
			return w, err
		}
		flow, _, ok1 := opts.str("flowMode")
		easyPay, _, ok2 := opts.str("easyPay")
		company, _, ok3 := opts.str("cardCompany")
		switch {
		case !ok1 || !ok2 || !ok3:
			return w, sdkErr("InvalidParametersError", "card.flowMode, card.easyPay and card.cardCompany must be strings")
		case flow != "" && flow != "DIRECT" && flow != "DEFAULT":
			return w, sdkErr("InvalidParametersError", "card.flowMode must be DIRECT or DEFAULT")
		}
		if flow == "DIRECT" {
			// DIRECT opens the app of card.easyPay or card.cardCompany;
			// DEFAULT ignores card.easyPay (CardPaymentRequest.card).
			w.EasyPay = easyPay
			if easyPay == "" && company == "" {
				return w, sdkErr("InvalidParametersError", "card.flowMode DIRECT needs card.easyPay or card.cardCompany")
			}
		}
		if err := checkBools(opts, "card.", "useEscrow", "useCardPoint", "useAppCardOnly"); err != nil {
			return w, err
		}
		if err := checkValidHours(opts, "card."); err != nil {
			return w, err
		}
	case "VIRTUAL_ACCOUNT", "TRANSFER":
		keys := sdkVirtualAccountKeys
		if method == "TRANSFER" {
			keys = sdkTransferKeys
		}
		if err := onlyKeys(opts, obj+".", keys); err != nil {
			return w, err
		}
		if cr, present, ok := opts.obj("cashReceipt"); !ok {
			return w, sdkErr("InvalidParametersError", "%s.cashReceipt must be an object", obj)
		} else if present {
			if err := onlyKeys(cr, obj+".cashReceipt.", []string{"type"}); err != nil {
				return w, err
			}
			if t, _, ok := cr.str("type"); !ok || (t != "소득공제" && t != "지출증빙" && t != "미발행") {
				return w, sdkErr("InvalidParametersError", "%s.cashReceipt.type must be 소득공제, 지출증빙 or 미발행", obj)
			}
		}
		if err := checkBools(opts, obj+".", "useEscrow"); err != nil {
			return w, err
		}
		if err := checkValidHours(opts, obj+"."); err != nil {
			return w, err
		}
		if method == "VIRTUAL_ACCOUNT" {
			h, _, _ := opts.integer("validHours")
			w.ValidHours = int(h)
		}
	case "MOBILE_PHONE":
		if err := onlyKeys(opts, "mobilePhone.", sdkMobilePhoneKeys); err != nil {
			return w, err
		}
		if raw, has := opts["mobileCarriers"]; has && !isNull(raw) {
			var carriers []string
			if json.Unmarshal(raw, &carriers) != nil {
				return w, sdkErr("InvalidParametersError", "mobilePhone.mobileCarriers must be an array of strings")
			}
			for _, c := range carriers {
				if !slices.Contains(sdkCarriers, c) {
					return w, sdkErr("InvalidParametersError", "mobilePhone.mobileCarriers has the unknown carrier %q", clip(c))
				}
			}
		}
	}
	return w, nil
}

// onlyKeys refuses a key of f that is not in allowed, as TypeScript's
// excess-property check refuses it in an object literal. Keys match
// exactly: "OrderId" is not "orderId".
func onlyKeys(f fields, prefix string, allowed []string) *SDKError {
	for k := range f {
		if !slices.Contains(allowed, k) {
			return sdkErr("InvalidParametersError", "%s%s is not a parameter of the SDK's payment request", prefix, clip(k))
		}
	}
	return nil
}

func checkBools(f fields, prefix string, names ...string) *SDKError {
	for _, n := range names {
		if _, _, ok := f.boolean(n); !ok {
			return sdkErr("InvalidParametersError", "%s%s must be a boolean", prefix, n)
		}
	}
	return nil
}

func checkValidHours(f fields, prefix string) *SDKError {
	h, present, e := f.integer("validHours")
	if e != nil || (present && (h <= 0 || h > sdkMaxValidHours)) {
		return sdkErr("InvalidParametersError", "%svalidHours must be 1–%d", prefix, sdkMaxValidHours)
	}
	return nil
}

// checkMetadata applies PaymentRequest.metadata's rules: at most 5 pairs,
// keys of at most 40 characters without [ or ], values of at most 2000
// characters.
func checkMetadata(f fields) *SDKError {
	md, present, ok := f.obj("metadata")
	if !ok {
		return sdkErr("InvalidMetadataError", "metadata must be an object")
	}
	if !present {
		return nil
	}
	if len(md) > 5 {
		return sdkErr("InvalidMetadataError", "metadata has more than 5 keys")
	}
	for k, raw := range md {
		if utf8.RuneCountInString(k) > 40 || strings.ContainsAny(k, "[]") {
			return sdkErr("InvalidMetadataError", "metadata key %q is longer than 40 characters or has [ or ]", clip(k))
		}
		var v string
		if json.Unmarshal(raw, &v) == nil && utf8.RuneCountInString(v) > 2000 {
			return sdkErr("InvalidMetadataError", "metadata value of %q is longer than 2000 characters", clip(k))
		}
	}
	return nil
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
