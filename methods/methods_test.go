package methods_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/methods"
	"github.com/payments-go/payments/paymentstest"
)

const (
	order = "SUB-2026-01"
	token = "admin-token"
)

func setup(t *testing.T, auth payments.Authorizer) (http.Handler, *payments.Service, *paymentstest.Gateway, string) {
	t.Helper()
	gw := paymentstest.NewGateway("fake")
	svc, err := payments.NewService(payments.Config{Store: memstore.New(), Gateways: []payments.Gateway{gw},
		Orders: payments.NewOrderBook(payments.Order{Number: order, Name: "Monthly plan", Amount: 9900, Currency: payments.KRW})})
	if err != nil {
		t.Fatal(err)
	}
	started, err := svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "fake", CustomerID: "cust-1"})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := svc.FinishSave(t.Context(), payments.FinishSaveRequest{Gateway: "fake", SetupID: started.Setup.ID,
		GatewayCustomer: started.Customer.Reference, AuthKey: "auth"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := methods.NewHandler(methods.Config{Service: svc, Authorize: auth, AllowedOrigins: []string{"https://shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	return h, svc, gw, saved.Method.ID
}

func do(h http.Handler, method, target, body string, admin bool) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if admin {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func code(w *httptest.ResponseRecorder) payments.ErrorCode {
	var v struct {
		Error struct {
			Code payments.ErrorCode `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &v)
	return v.Error.Code
}

func TestRoutes(t *testing.T) {
	h, _, gw, id := setup(t, payments.BearerToken(token))
	w := do(h, "GET", "/methods?customer_id=cust-1", "", true)
	var list []methods.View
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list) != 1 || list[0].MethodID != id {
		t.Fatalf("GET /methods = %d %s", w.Code, w.Body)
	}
	for _, k := range []string{"token", "billing", "fake_bk_", "fake_cus_"} {
		if strings.Contains(w.Body.String(), k) {
			t.Errorf("the list answers %q: %s", k, w.Body)
		}
	}
	body := `{"order_number":"` + order + `","method_id":"` + id + `"}`
	for range 3 {
		if w := do(h, "POST", "/charge", body, true); w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"paid"`) {
			t.Fatalf("POST /charge = %d %s", w.Code, w.Body)
		}
	}
	if n := gw.Charges(order); n != 1 {
		t.Errorf("three charges of one order made %d gateway charges", n)
	}
	if w := do(h, "DELETE", "/methods/"+id, "", true); w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"removed"`) {
		t.Fatalf("DELETE = %d %s", w.Code, w.Body)
	}
	if w := do(h, "DELETE", "/methods/meth_unknown", "", true); w.Code != 404 || code(w) != payments.CodeMethodNotFound {
		t.Errorf("DELETE unknown = %d %s", w.Code, w.Body)
	}
}

func TestChargeRequiresActionAnswersNextAction(t *testing.T) {
	h, _, gw, id := setup(t, payments.BearerToken(token))
	gw.RequireAction("https://bank.example/3ds/1")
	w := do(h, "POST", "/charge", `{"order_number":"`+order+`","method_id":"`+id+`","return_url":"https://shop.example/back"}`, true)
	var v struct {
		Status     string              `json:"status"`
		NextAction *methods.NextAction `json:"next_action"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &v) != nil || v.Status != "requires_action" || v.NextAction == nil || v.NextAction.RedirectURL != "https://bank.example/3ds/1" {
		t.Fatalf("POST /charge = %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "secret") {
		t.Errorf("the charge answer mentions a secret: %s", w.Body)
	}
}

func TestBadInputAndAccess(t *testing.T) {
	h, _, gw, id := setup(t, payments.BearerToken(token))
	for _, tc := range []struct {
		name, method, target, body string
		admin                      bool
		status                     int
		code                       payments.ErrorCode
	}{
		{"no credentials", "POST", "/charge", `{"order_number":"` + order + `","method_id":"` + id + `"}`, false, 401, payments.CodeUnauthorized},
		{"no credentials, list", "GET", "/methods?customer_id=cust-1", "", false, 401, payments.CodeUnauthorized},
		{"unknown field", "POST", "/charge", `{"order_number":"` + order + `","method_id":"` + id + `","amount":1}`, true, 400, payments.CodeInvalidRequest},
		{"duplicate key", "POST", "/charge", `{"order_number":"` + order + `","order_number":"x","method_id":"` + id + `"}`, true, 400, payments.CodeInvalidRequest},
		{"case variant", "POST", "/charge", `{"Order_Number":"` + order + `","method_id":"` + id + `"}`, true, 400, payments.CodeInvalidRequest},
		{"no method", "POST", "/charge", `{"order_number":"` + order + `"}`, true, 400, payments.CodeInvalidRequest},
		{"unknown method", "POST", "/charge", `{"order_number":"` + order + `","method_id":"meth_nope"}`, true, 404, payments.CodeMethodNotFound},
		{"foreign return_url", "POST", "/charge", `{"order_number":"` + order + `","method_id":"` + id + `","return_url":"https://evil.example/"}`, true, 400, payments.CodeRedirectNotAllowed},
		{"unknown order", "POST", "/charge", `{"order_number":"NOPE-1","method_id":"` + id + `"}`, true, 404, payments.CodeOrderNotFound},
		{"list without customer", "GET", "/methods", "", true, 400, payments.CodeInvalidRequest},
		{"list with another parameter", "GET", "/methods?customer_id=c&x=1", "", true, 400, payments.CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, tc.method, tc.target, tc.body, tc.admin)
			if w.Code != tc.status || code(w) != tc.code {
				t.Errorf("= %d %s, want %d %s", w.Code, w.Body, tc.status, tc.code)
			}
		})
	}
	if n := gw.Charges(order); n != 0 {
		t.Errorf("refused requests made %d charges", n)
	}
	closed, _, _, _ := setup(t, nil)
	if w := do(closed, "GET", "/methods?customer_id=cust-1", "", true); w.Code != 403 {
		t.Errorf("without an authorizer = %d, want 403", w.Code)
	}
}
