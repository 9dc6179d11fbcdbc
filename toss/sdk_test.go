package toss_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// sdkOrderID is the orderId rule of the v2 SDK's definitions
// (@tosspayments/tosspayments-sdk 2.8.1, PaymentRequest.orderId: "영문
// 대소문자, 숫자, 특수문자 -, _, =로 이루어진 6자 이상 64자 이하").
var sdkOrderID = regexp.MustCompile(`^[A-Za-z0-9_=-]{6,64}$`)

// sdkMethods are the methods of the SDK's requestPayment.
var sdkMethods = map[string]bool{"CARD": true, "VIRTUAL_ACCOUNT": true, "TRANSFER": true, "MOBILE_PHONE": true,
	"CULTURE_GIFT_CERTIFICATE": true, "BOOK_GIFT_CERTIFICATE": true, "GAME_GIFT_CERTIFICATE": true, "FOREIGN_EASY_PAY": true}

// readyRequests returns toss.request of the ready responses for every
// method and easy-pay provider, with and without customer details, and
// for later attempts of an order, by a name for each.
func readyRequests(t *testing.T) ([]string, []json.RawMessage) {
	t.Helper()
	type ready struct {
		Toss struct {
			Request json.RawMessage `json:"request"`
		} `json:"toss"`
	}
	var names []string
	var reqs []json.RawMessage
	e := newHEnv(t)
	add := func(name, order string, amount int64, method, provider string, customer bool) {
		body := readyBody(order, amount, method)
		if provider != "" {
			body["easy_pay_provider"] = provider
		}
		if customer {
			body["customer_name"], body["customer_email"] = "홍길동", "hong@example.com"
		}
		rec := e.post("/ready", body)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: POST /ready = %d %s", name, rec.Code, rec.Body)
		}
		var r ready
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Toss.Request) == 0 || string(r.Toss.Request) == "null" {
			t.Fatalf("%s: the ready response has no toss.request: %s", name, rec.Body)
		}
		names, reqs = append(names, name), append(reqs, r.Toss.Request)
	}
	for _, m := range []string{"CARD", "VIRTUAL_ACCOUNT", "TRANSFER", "MOBILE", "EASY_PAY"} {
		add(m, hOrderOther, 9900, m, "", false)
		add(m+" with customer", hOrder, hAmount, m, "", true)
	}
	for _, p := range []string{"TOSSPAY", "NAVERPAY", "KAKAOPAY", "SAMSUNGPAY", "APPLEPAY", "LPAY", "PAYCO", "SSG", "PINPAY"} {
		add("provider "+p, hOrder, hAmount, "EASY_PAY", p, true)
	}
	return names, reqs
}

// toss.request is what a page passes as it is to the v2 SDK's
// payment.requestPayment: camelCase, amount {currency, value}, the SDK's
// method names, card {flowMode, easyPay} for an easy-pay provider, no
// empty fields, and the documented orderId and orderName rules. With
// node and the pinned SDK installed (toss/sdkcheck, npm ci), every object
// is type-checked with tsc --strict against the SDK's published
// definitions; TOSS_SDKCHECK=1 makes that part required.
func TestReadyRequestMatchesSDK(t *testing.T) {
	names, reqs := readyRequests(t)
	for i, raw := range reqs {
		var r struct {
			Method    string `json:"method"`
			OrderID   string `json:"orderId"`
			OrderName string `json:"orderName"`
			Amount    struct {
				Currency string `json:"currency"`
				Value    int64  `json:"value"`
			} `json:"amount"`
			Card *struct {
				FlowMode string `json:"flowMode"`
				EasyPay  string `json:"easyPay"`
			} `json:"card"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("%s: %v: %s", names[i], err, raw)
		}
		switch {
		case !sdkMethods[r.Method]:
			t.Errorf("%s: method %q is not one of the SDK's", names[i], r.Method)
		case !sdkOrderID.MatchString(r.OrderID):
			t.Errorf("%s: orderId %q breaks the SDK's rule (6–64 of A-Za-z0-9-_=)", names[i], r.OrderID)
		case r.OrderName == "" || utf8.RuneCountInString(r.OrderName) > 100:
			t.Errorf("%s: orderName %q is not 1–100 characters", names[i], r.OrderName)
		case r.Amount.Currency != "KRW" || r.Amount.Value <= 0:
			t.Errorf("%s: amount %+v, want a positive KRW value", names[i], r.Amount)
		case strings.HasPrefix(names[i], "provider ") && (r.Card == nil || r.Card.FlowMode != "DIRECT" || "provider "+r.Card.EasyPay != names[i]):
			t.Errorf("%s: card %+v, want flowMode DIRECT with the provider", names[i], r.Card)
		case !strings.HasPrefix(names[i], "provider ") && r.Card != nil:
			t.Errorf("%s: card %+v, want none without a provider", names[i], r.Card)
		}
		if path := emptyField(raw, ""); path != "" {
			t.Errorf("%s: empty field %s in %s", names[i], path, raw)
		}
	}
	t.Run("tsc", func(t *testing.T) { typeCheck(t, "requestPayment", names, reqs, paymentNegatives) })
}

// paymentNegatives are requestPayment calls the definitions refuse.
const paymentNegatives = `  // @ts-expect-error: the ready response's own fields are not a payment request
  await payment.requestPayment({ method: "CARD", amount: 9900, order_id: "ORD-0001", order_name: "x" });
  // @ts-expect-error: the library's method name MOBILE is not the SDK's MOBILE_PHONE
  await payment.requestPayment({ method: "MOBILE", amount: { currency: "KRW", value: 9900 }, orderId: "ORD-0001", orderName: "x" });
`

// emptyField returns the path of an empty string, null, empty object or
// empty array in the JSON value raw, or "".
func emptyField(raw json.RawMessage, path string) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return path
	}
	var walk func(v any, path string) string
	walk = func(v any, path string) string {
		switch x := v.(type) {
		case nil:
			return path
		case string:
			if x == "" {
				return path
			}
		case map[string]any:
			if len(x) == 0 {
				return path
			}
			for k, c := range x {
				if p := walk(c, path+"."+k); p != "" {
					return p
				}
			}
		case []any:
			if len(x) == 0 {
				return path
			}
		}
		return ""
	}
	return walk(v, path)
}

// typeCheck writes the objects into a TypeScript file that passes each,
// as an object literal, to payment.requestPayment, and runs tsc --strict
// over it with the SDK's definitions from toss/sdkcheck.
func typeCheck(t *testing.T, call string, names []string, reqs []json.RawMessage, negatives string) {
	required := os.Getenv("TOSS_SDKCHECK") == "1"
	skip := func(format string, args ...any) {
		if required {
			t.Fatalf(format, args...)
		}
		t.Skipf(format+" (run toss/sdkcheck/check.sh)", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed")
	}
	dir, err := filepath.Abs("sdkcheck")
	if err != nil {
		t.Fatal(err)
	}
	tsc := filepath.Join(dir, "node_modules", "typescript", "bin", "tsc")
	types := filepath.Join(dir, "node_modules", "@tosspayments", "tosspayments-sdk", "types", "index.d.ts")
	for _, f := range []string{tsc, types} {
		if _, err := os.Stat(f); err != nil {
			skip("%s is not installed: npm ci in toss/sdkcheck", filepath.Base(filepath.Dir(f)))
		}
	}
	var src bytes.Buffer
	src.WriteString("// The toss.request objects of the ready handler, passed as they are to\n")
	src.WriteString("// the v2 SDK's payment." + call + ".\n")
	src.WriteString("import type { TossPaymentsPayment } from \"@tosspayments/tosspayments-sdk\";\n\n")
	src.WriteString("export async function requests(payment: TossPaymentsPayment): Promise<void> {\n")
	for i, raw := range reqs {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "  ", "  "); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&src, "  // %s\n  await payment.%s(%s);\n", names[i], call, pretty.String())
	}
	// The definitions refuse what the page would pass without
	// translating: if they did not (an untyped SDK), tsc would report the
	// expect-error directives as unused.
	src.WriteString(negatives + "}\n")
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "requests.ts"), src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.MarshalIndent(map[string]any{
		"compilerOptions": map[string]any{
			"strict": true, "noEmit": true, "target": "es2020", "module": "esnext", "moduleResolution": "bundler",
			"types": []string{}, "skipLibCheck": true,
			"paths": map[string][]string{"@tosspayments/tosspayments-sdk": {types}},
		},
		"files": []string{"requests.ts"},
	}, "", "  ")
	if err := os.WriteFile(filepath.Join(work, "tsconfig.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("TOSS_SDKCHECK_OUT"); out != "" {
		// Keep the generated file for a person to read.
		_ = os.WriteFile(filepath.Join(out, "requests.ts"), src.Bytes(), 0o644)
	}
	cmd := exec.Command(node, tsc, "--strict", "--noEmit", "-p", filepath.Join(work, "tsconfig.json"))
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc --strict: %v\n%s\n%s", err, out, src.String())
	}
}

// billingNegatives are requestBillingAuth calls the definitions refuse.
const billingNegatives = `  // @ts-expect-error: the customerKey goes to payment(), not to requestBillingAuth
  await payment.requestBillingAuth({ method: "CARD", successUrl: "https://a.example/s", failUrl: "https://a.example/f", customerKey: "ck_1" });
  // @ts-expect-error: the billing ready response's own fields are not a request
  await payment.requestBillingAuth({ method: "CARD", success_url: "https://a.example/s", fail_url: "https://a.example/f" });
`

// toss.request of the billing ready response is what a page passes as
// it is to the v2 SDK's payment.requestBillingAuth: method CARD and the
// handler's absolute callbacks, no customerKey (that goes to payment()),
// no empty fields; with the pinned SDK installed it is type-checked with
// tsc --strict against BillingAuthRequest.
func TestBillingAuthRequestMatchesSDK(t *testing.T) {
	e := newHEnv(t)
	var names []string
	var reqs []json.RawMessage
	for _, customer := range []string{"cust-1", "customer-with-a-longer-id-0000000001"} {
		rec := e.post("/billing/ready", map[string]any{"customer_id": customer, "success_url": hSuccessURL, "fail_url": hFailURL},
			"Authorization", "Bearer "+hAdminToken)
		var r struct {
			Toss struct {
				CustomerKey string          `json:"customer_key"`
				Request     json.RawMessage `json:"request"`
			} `json:"toss"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &r) != nil || len(r.Toss.Request) == 0 {
			t.Fatalf("POST /billing/ready = %d %s", rec.Code, rec.Body)
		}
		var req map[string]any
		if err := json.Unmarshal(r.Toss.Request, &req); err != nil {
			t.Fatal(err)
		}
		if req["method"] != "CARD" || !strings.HasPrefix(fmt.Sprint(req["successUrl"]), hBase+"/billing/success?") ||
			!strings.HasPrefix(fmt.Sprint(req["failUrl"]), hBase+"/billing/fail?") {
			t.Errorf("%s: request %s", customer, r.Toss.Request)
		}
		if _, has := req["customerKey"]; has || strings.Contains(string(r.Toss.Request), r.Toss.CustomerKey) {
			t.Errorf("%s: the request carries the customerKey, which the v2 SDK takes in payment()", customer)
		}
		if path := emptyField(r.Toss.Request, ""); path != "" {
			t.Errorf("%s: empty field %s", customer, path)
		}
		names, reqs = append(names, customer), append(reqs, r.Toss.Request)
	}
	t.Run("tsc", func(t *testing.T) { typeCheck(t, "requestBillingAuth", names, reqs, billingNegatives) })
}
