package toss

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

func tyTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func tyLoad(t *testing.T, name string) *Payment {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var p Payment
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
	return &p
}

// TestPaymentGolden decodes the Toss responses in testdata and compares
// every field.
func TestPaymentGolden(t *testing.T) {
	receipt := "https://dashboard.tosspayments.com/receipt/redirection?transactionId="
	tests := map[string]*Payment{
		"payment_done_card.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "tviva20240213121757MvuS8", Type: "NORMAL",
			OrderID: "ORD-20260122-001", OrderName: "Cool T-Shirt 외 1건", Currency: "KRW", Method: "카드", Status: "DONE",
			TotalAmount: 58990, BalanceAmount: 58990, SuppliedAmount: 53627, VAT: 5363,
			RequestedAt: tyTime(t, "2026-01-22T12:17:57+09:00"), ApprovedAt: tyTime(t, "2026-01-22T12:18:14+09:00"),
			LastTransactionKey: "9C62B18EEF0DE3EB7F4422EB6D14BC6E", IsPartialCancelable: true, Country: "KR",
			Metadata: map[string]string{"cart": "c-42"},
			Card: &Card{Amount: 58990, IssuerCode: "71", AcquirerCode: "71", Number: "12345678****000*", ApproveNo: "00000000",
				CardType: "신용", OwnerType: "개인", AcquireStatus: "READY", ReceiptURL: receipt + "tviva20240213121757MvuS8&ref=PX"},
			ReceiptURL:  receipt + "tviva20240213121757MvuS8&ref=PX",
			CheckoutURL: "https://api.tosspayments.com/v1/payments/tviva20240213121757MvuS8/checkout",
		},
		"payment_waiting_for_deposit.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "tviva20260122130501VaKey", Type: "NORMAL",
			OrderID: "ORD-20260122-002", OrderName: "Cap", Currency: "KRW", Method: "가상계좌", Status: "WAITING_FOR_DEPOSIT",
			TotalAmount: 9900, BalanceAmount: 9900, SuppliedAmount: 9000, VAT: 900,
			RequestedAt:        tyTime(t, "2026-01-22T13:05:01+09:00"),
			LastTransactionKey: "7D2F0B1C3A4E5F60718293A4B5C6D7E8", IsPartialCancelable: true, Country: "KR",
			Secret: "ps_Z1aOwX7K8mYbz9DLLDD5Vyw3RqEn",
			VirtualAccount: &VirtualAccount{AccountType: "일반", AccountNumber: "X6505636518308", BankCode: "20",
				CustomerName: "박토스", DueDate: tyTime(t, "2026-01-29T13:05:01+09:00"), RefundStatus: "NONE",
				SettlementStatus: "INCOMPLETED"},
			ReceiptURL:  "https://dashboard.tosspayments.com/receipt/payment-detail/bank-transfer?transactionId=7D2F0B1C3A4E5F60718293A4B5C6D7E8",
			CheckoutURL: "https://api.tosspayments.com/v1/payments/tviva20260122130501VaKey/checkout",
		},
		"payment_partial_canceled.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1", Type: "NORMAL",
			OrderID: "ORD-20260122-003-2", OrderName: "티셔츠 외 2건", Currency: "KRW", Method: "카드", Status: "PARTIAL_CANCELED",
			TotalAmount: 15000, BalanceAmount: 10000, SuppliedAmount: 9091, VAT: 909,
			RequestedAt: tyTime(t, "2026-01-22T14:00:00+09:00"), ApprovedAt: tyTime(t, "2026-01-22T14:00:30+09:00"),
			LastTransactionKey: "B1E2C3D4E5F60718293A4B5C6D7E8F90", IsPartialCancelable: true, Country: "KR",
			Card: &Card{Amount: 15000, IssuerCode: "4V", AcquirerCode: "21", Number: "43301234****123*", ApproveNo: "12345678",
				CardType: "체크", OwnerType: "개인", AcquireStatus: "COMPLETED", ReceiptURL: receipt + "A&ref=PX"},
			EasyPay: &EasyPay{Provider: "토스페이"},
			Cancels: []Cancel{{CancelAmount: 5000, CancelReason: "부분 환불", RefundableAmount: 10000,
				CanceledAt: tyTime(t, "2026-01-23T09:10:11+09:00"), TransactionKey: "B1E2C3D4E5F60718293A4B5C6D7E8F90", CancelStatus: "DONE"}},
			ReceiptURL:  receipt + "A&ref=PX",
			CheckoutURL: "https://api.tosspayments.com/v1/payments/5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1/checkout",
		},
		"payment_aborted.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "tviva20260122150000Abrt1", Type: "NORMAL",
			OrderID: "ORD-20260122-004", OrderName: "Hoodie", Currency: "KRW", Method: "카드", Status: "ABORTED",
			TotalAmount: 39000, BalanceAmount: 39000, SuppliedAmount: 35455, VAT: 3545,
			RequestedAt:        tyTime(t, "2026-01-22T15:00:00+09:00"),
			LastTransactionKey: "C0FFEE00C0FFEE00C0FFEE00C0FFEE00", IsPartialCancelable: true, Country: "KR",
			CheckoutURL: "https://api.tosspayments.com/v1/payments/tviva20260122150000Abrt1/checkout",
			Failure:     &payments.Failure{Code: "REJECT_CARD_COMPANY", Message: "결제 승인이 거절되었습니다."},
		},
		"payment_canceled.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "tviva20260122160000Cncl1", Type: "NORMAL",
			OrderID: "ORD-20260122-005", OrderName: "Socks", Currency: "KRW", Method: "계좌이체", Status: "CANCELED",
			TotalAmount: 1000, RequestedAt: tyTime(t, "2026-01-22T16:00:00+09:00"), ApprovedAt: tyTime(t, "2026-01-22T16:00:20+09:00"),
			CultureExpense: true, LastTransactionKey: "D00DD00DD00DD00DD00DD00DD00DD00D", IsPartialCancelable: true, Country: "KR",
			Transfer: &Transfer{BankCode: "88", SettlementStatus: "INCOMPLETED"},
			Cancels: []Cancel{{CancelAmount: 1000, CancelReason: "고객 변심", CanceledAt: tyTime(t, "2026-01-22T17:00:00+09:00"),
				TransactionKey: "D00DD00DD00DD00DD00DD00DD00DD00D", ReceiptKey: "c_rcpt_1", CancelStatus: "DONE"}},
			CashReceipt: &CashReceipt{Type: "소득공제", ReceiptKey: "rcpt_1", IssueNumber: "123456789",
				ReceiptURL: "https://dashboard.tosspayments.com/receipt/cash?x=1", Amount: 1000},
			CashReceipts: []CashReceipt{{Type: "소득공제", ReceiptKey: "rcpt_1", IssueNumber: "123456789",
				ReceiptURL: "https://dashboard.tosspayments.com/receipt/cash?x=1", Amount: 1000, IssueStatus: "COMPLETED",
				TransactionType: "CONFIRM", BusinessNumber: "1234567890", RequestedAt: tyTime(t, "2026-01-22T16:00:21+09:00")}},
			ReceiptURL:  receipt + "D&ref=PX",
			CheckoutURL: "https://api.tosspayments.com/v1/payments/tviva20260122160000Cncl1/checkout",
		},
		"payment_canceled_before_deposit.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "tviva20260122170000VaCn1", Type: "NORMAL",
			OrderID: "ORD-20260122-006", OrderName: "Mug", Currency: "KRW", Method: "가상계좌", Status: "CANCELED",
			TotalAmount: 12000, RequestedAt: tyTime(t, "2026-01-22T17:00:00+09:00"), ApprovedAt: tyTime(t, "2026-01-22T17:00:00+09:00"),
			LastTransactionKey: "E0E0E0E0E0E0E0E0E0E0E0E0E0E0E0E0", IsPartialCancelable: true, Country: "KR",
			Secret: "ps_Abcdefghijklmnopqrstuvwxyz12",
			VirtualAccount: &VirtualAccount{AccountType: "일반", AccountNumber: "X1234567890123", BankCode: "88",
				CustomerName: "김토스", DueDate: tyTime(t, "2026-01-29T17:00:00+09:00"), RefundStatus: "NONE", SettlementStatus: "INCOMPLETED"},
			Cancels: []Cancel{{CancelAmount: 12000, CancelReason: "입금 전 취소", CanceledAt: tyTime(t, "2026-01-22T18:00:00+09:00"),
				TransactionKey: "E0E0E0E0E0E0E0E0E0E0E0E0E0E0E0E0", CancelStatus: "DONE"}},
		},
		"payment_expired_english.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "tviva20260122180000Exp01", Type: "NORMAL",
			OrderID: "ORD-20260122-007", OrderName: "Gift", Currency: "KRW", Status: "EXPIRED",
			TotalAmount: 50000, BalanceAmount: 50000, SuppliedAmount: 45455, VAT: 4545,
			RequestedAt: tyTime(t, "2026-01-22T18:00:00.123456+09:00"), IsPartialCancelable: true, Country: "KR",
			Failure: &payments.Failure{Code: "EXPIRED_PAYMENT", Message: "The payment has expired. Please try again."},
		},
		// A made-up payment with every field of the Payment object set,
		// and a field Toss might add: a field the decoder drops shows here.
		"payment_every_field.json": {
			MID: "tosspayments", Version: "2022-11-16", PaymentKey: "tviva20260122190000Every", Type: "NORMAL",
			OrderID: "ORD-20260122-008", OrderName: "Every field", Currency: "KRW", Method: "카드", Status: "PARTIAL_CANCELED",
			TotalAmount: 30000, BalanceAmount: 20000, SuppliedAmount: 18182, VAT: 1818, TaxFreeAmount: 100, TaxExemptionAmount: 200,
			RequestedAt: tyTime(t, "2026-01-22T19:00:00+09:00"), ApprovedAt: tyTime(t, "2026-01-22T19:00:30+09:00"),
			UseEscrow: true, CultureExpense: true,
			LastTransactionKey: "F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1", TransactionKey: "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1",
			IsPartialCancelable: true, Country: "KR", Secret: "ps_EveryFieldSecret0123456789ab",
			Metadata: map[string]string{"cart": "c-8", "items": "3"},
			Card: &Card{Amount: 25000, IssuerCode: "71", AcquirerCode: "71", Number: "12345678****000*", InstallmentPlanMonths: 3,
				ApproveNo: "00000008", UseCardPoint: true, CardType: "신용", OwnerType: "개인", AcquireStatus: "COMPLETED",
				IsInterestFree: true, InterestPayer: "MERCHANT", ReceiptURL: receipt + "E&ref=PX"},
			VirtualAccount: &VirtualAccount{AccountType: "일반", AccountNumber: "X0000000000008", BankCode: "20", CustomerName: "박토스",
				DepositorName: "박토스", DueDate: tyTime(t, "2026-01-29T19:00:00+09:00"), RefundStatus: "PENDING", Expired: true,
				SettlementStatus:     "COMPLETED",
				RefundReceiveAccount: &RefundReceiveAccount{Bank: "88", AccountNumber: "1002123456789", HolderName: "박토스"}},
			Transfer: &Transfer{BankCode: "88", SettlementStatus: "COMPLETED"},
			MobilePhone: &MobilePhone{CustomerMobilePhone: "01012345678", SettlementStatus: "COMPLETED",
				ReceiptURL: "https://dashboard.tosspayments.com/receipt/phone?x=8"},
			GiftCertificate:       &GiftCertificate{ApproveNo: "G0000008", SettlementStatus: "COMPLETED"},
			EasyPay:               &EasyPay{Provider: "토스페이", Amount: 5000, DiscountAmount: 300},
			EasyPayAmount:         5000,
			EasyPayDiscountAmount: 300,
			Discount:              &Discount{Amount: 700},
			Cancels: []Cancel{{CancelAmount: 10000, CancelReason: "부분 환불", TaxFreeAmount: 10, TaxExemptionAmount: 20,
				RefundableAmount: 20000, CardDiscountAmount: 30, TransferDiscountAmount: 40, EasyPayDiscountAmount: 50,
				CanceledAt: tyTime(t, "2026-01-23T09:00:00+09:00"), TransactionKey: "F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1",
				ReceiptKey: "c_rcpt_8", CancelStatus: "DONE", CancelRequestID: "creq_8"}},
			CashReceipt: &CashReceipt{Type: "소득공제", ReceiptKey: "rcpt_8", IssueNumber: "888888888",
				ReceiptURL: "https://dashboard.tosspayments.com/receipt/cash?x=8", Amount: 5000, TaxFreeAmount: 100,
				IssueStatus: "COMPLETED", TransactionType: "CONFIRM", BusinessNumber: "1234567890",
				RequestedAt: tyTime(t, "2026-01-22T19:00:31+09:00"),
				Failure:     &payments.Failure{Code: "RECEIPT_RETRY", Message: "재발급되었습니다."}},
			CashReceipts: []CashReceipt{{Type: "지출증빙", ReceiptKey: "rcpt_8", IssueNumber: "888888888",
				ReceiptURL: "https://dashboard.tosspayments.com/receipt/cash?x=9", Amount: 5000, TaxFreeAmount: 100,
				IssueStatus: "FAILED", TransactionType: "CANCEL", BusinessNumber: "1234567890",
				RequestedAt: tyTime(t, "2026-01-22T19:00:32+09:00"),
				Failure:     &payments.Failure{Code: "INVALID_BUSINESS_NUMBER", Message: "사업자 번호가 올바르지 않습니다."}}},
			ReceiptURL:  receipt + "E&ref=PX",
			CheckoutURL: "https://api.tosspayments.com/v1/payments/tviva20260122190000Every/checkout",
			Failure:     &payments.Failure{Code: "PARTIAL_FAILURE", Message: "일부 실패"},
		},
	}
	// The made-up payment must set every field of Payment, so that a
	// field added to Payment without a value in the fixture, or decoded
	// into nothing, fails the comparison below.
	for _, path := range zeroFields(reflect.ValueOf(*tests["payment_every_field.json"]), "Payment") {
		t.Errorf("payment_every_field.json leaves %s unset", path)
	}
	files, _ := filepath.Glob("testdata/payment_*.json")
	if len(files) != len(tests) {
		t.Errorf("%d fixtures in testdata, %d expectations", len(files), len(tests))
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			got := tyLoad(t, name)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decoded payment (-want +got):\n%s", diff)
			}
		})
	}
}

// zeroFields lists the fields of v (a struct, followed through pointers,
// slices and nested structs) that hold their zero value.
func zeroFields(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return zeroFields(v.Elem(), path)
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		return zeroFields(v.Index(0), path+"[0]")
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				return []string{path}
			}
			return nil
		}
		var out []string
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, zeroFields(v.Field(i), path+"."+v.Type().Field(i).Name)...)
			}
		}
		return out
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}

// TestPaymentCharge checks the unified view of every fixture: the status
// mapping of API.md, amounts, refunds and methods.
func TestPaymentCharge(t *testing.T) {
	tests := []struct {
		file string
		want payments.Charge
	}{
		{"payment_done_card.json", payments.Charge{Reference: "tviva20240213121757MvuS8", GatewayOrderID: "ORD-20260122-001",
			Status: payments.StatusPaid, GatewayStatus: "DONE", Method: payments.MethodCard, Amount: 58990, Currency: payments.KRW,
			PaidAt: tyTime(t, "2026-01-22T12:18:14+09:00")}},
		{"payment_waiting_for_deposit.json", payments.Charge{Reference: "tviva20260122130501VaKey", GatewayOrderID: "ORD-20260122-002",
			Status: payments.StatusWaitingForDeposit, GatewayStatus: "WAITING_FOR_DEPOSIT", Method: payments.MethodVirtualAccount,
			Amount: 9900, Currency: payments.KRW,
			VirtualAccount: &payments.VirtualAccount{Bank: "20", AccountNumber: "X6505636518308", Holder: "박토스",
				DueDate: tyTime(t, "2026-01-29T13:05:01+09:00")},
			DepositSecret: "ps_Z1aOwX7K8mYbz9DLLDD5Vyw3RqEn"}},
		// 카드 with easyPay filled is an easy-pay payment.
		{"payment_partial_canceled.json", payments.Charge{Reference: "5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1",
			GatewayOrderID: "ORD-20260122-003-2", Status: payments.StatusPartiallyRefunded, GatewayStatus: "PARTIAL_CANCELED",
			Method: payments.MethodEasyPay, Amount: 15000, Currency: payments.KRW, RefundedAmount: 5000,
			PaidAt: tyTime(t, "2026-01-22T14:00:30+09:00")}},
		{"payment_aborted.json", payments.Charge{Reference: "tviva20260122150000Abrt1", GatewayOrderID: "ORD-20260122-004",
			Status: payments.StatusFailed, GatewayStatus: "ABORTED", Method: payments.MethodCard, Amount: 39000, Currency: payments.KRW,
			Failure: &payments.Failure{Code: "REJECT_CARD_COMPANY", Message: "결제 승인이 거절되었습니다."}}},
		{"payment_canceled.json", payments.Charge{Reference: "tviva20260122160000Cncl1", GatewayOrderID: "ORD-20260122-005",
			Status: payments.StatusRefunded, GatewayStatus: "CANCELED", Method: payments.MethodTransfer, Amount: 1000,
			Currency: payments.KRW, RefundedAmount: 1000, PaidAt: tyTime(t, "2026-01-22T16:00:20+09:00")}},
		// Nothing was deposited: canceled, not refunded, although
		// approvedAt is set (Toss may set it when the account is issued).
		{"payment_canceled_before_deposit.json", payments.Charge{Reference: "tviva20260122170000VaCn1", GatewayOrderID: "ORD-20260122-006",
			Status: payments.StatusCanceled, GatewayStatus: "CANCELED", Method: payments.MethodVirtualAccount, Amount: 12000,
			Currency: payments.KRW, PaidAt: tyTime(t, "2026-01-22T17:00:00+09:00"),
			VirtualAccount: &payments.VirtualAccount{Bank: "88", AccountNumber: "X1234567890123", Holder: "김토스",
				DueDate: tyTime(t, "2026-01-29T17:00:00+09:00")},
			DepositSecret: "ps_Abcdefghijklmnopqrstuvwxyz12"}},
		{"payment_expired_english.json", payments.Charge{Reference: "tviva20260122180000Exp01", GatewayOrderID: "ORD-20260122-007",
			Status: payments.StatusExpired, GatewayStatus: "EXPIRED", Amount: 50000, Currency: payments.KRW,
			Failure: &payments.Failure{Code: "EXPIRED_PAYMENT", Message: "The payment has expired. Please try again."}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got := tyLoad(t, tc.file).Charge()
			if diff := cmp.Diff(&tc.want, got, cmp.Comparer(func(a, b payments.Secret) bool { return a.Reveal() == b.Reveal() })); diff != "" {
				t.Errorf("charge (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnifiedStatus(t *testing.T) {
	deposited := &VirtualAccount{DepositorName: "박토스", RefundStatus: "PENDING"}
	tests := []struct {
		name string
		p    Payment
		want payments.Status
	}{
		{"ready", Payment{Status: "READY"}, payments.StatusReady},
		// Authorised, waiting for confirm: the Service re-confirms it.
		{"in progress", Payment{Status: "IN_PROGRESS"}, payments.StatusReady},
		{"waiting", Payment{Status: "WAITING_FOR_DEPOSIT", VirtualAccount: &VirtualAccount{}}, payments.StatusWaitingForDeposit},
		{"waiting but expired", Payment{Status: "WAITING_FOR_DEPOSIT", VirtualAccount: &VirtualAccount{Expired: true}}, payments.StatusExpired},
		{"done", Payment{Status: "DONE", TotalAmount: 10, BalanceAmount: 10}, payments.StatusPaid},
		{"partial", Payment{Status: "PARTIAL_CANCELED", TotalAmount: 10, BalanceAmount: 4}, payments.StatusPartiallyRefunded},
		// A zero balance is a full refund whichever status Toss reports.
		{"partial at zero", Payment{Status: "PARTIAL_CANCELED", TotalAmount: 10, BalanceAmount: 0}, payments.StatusRefunded},
		{"canceled card", Payment{Status: "CANCELED", Method: "카드"}, payments.StatusRefunded},
		{"canceled deposited va", Payment{Status: "CANCELED", Method: "가상계좌", VirtualAccount: deposited}, payments.StatusRefunded},
		{"canceled va refund status only", Payment{Status: "CANCELED", VirtualAccount: &VirtualAccount{RefundStatus: "COMPLETED"}}, payments.StatusRefunded},
		{"canceled va before deposit", Payment{Status: "CANCELED", Method: "가상계좌", VirtualAccount: &VirtualAccount{RefundStatus: "NONE"}}, payments.StatusCanceled},
		// Before API 1.4 a reversed deposit was reported CANCELED, with no
		// cancel listed: the money never arrived.
		{"deposit reversed before 1.4", Payment{Status: "CANCELED", Method: "가상계좌", ApprovedAt: time.Unix(1, 0),
			VirtualAccount: &VirtualAccount{DepositorName: "박토스", RefundStatus: "NONE"}}, payments.StatusCanceled},
		{"canceled deposited va, refund status not set", Payment{Status: "CANCELED", Method: "가상계좌",
			VirtualAccount: &VirtualAccount{DepositorName: "박토스", RefundStatus: "NONE"}, Cancels: []Cancel{{CancelAmount: 10}}}, payments.StatusRefunded},
		{"canceled va without object, unpaid", Payment{Status: "CANCELED", Method: "VIRTUAL_ACCOUNT"}, payments.StatusCanceled},
		{"canceled va without object, paid", Payment{Status: "CANCELED", Method: "가상계좌", ApprovedAt: time.Unix(1, 0)}, payments.StatusRefunded},
		{"aborted", Payment{Status: "ABORTED"}, payments.StatusFailed},
		{"expired", Payment{Status: "EXPIRED"}, payments.StatusExpired},
		{"unknown", Payment{Status: "ON_HOLD"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.UnifiedStatus(); got != tc.want {
				t.Errorf("UnifiedStatus() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChargeRefundedAmount(t *testing.T) {
	tests := []struct {
		name string
		p    Payment
		want payments.Amount
	}{
		{"done", Payment{Status: "DONE", TotalAmount: 1000, BalanceAmount: 1000}, 0},
		{"partial", Payment{Status: "PARTIAL_CANCELED", TotalAmount: 1000, BalanceAmount: 300}, 700},
		{"full", Payment{Status: "CANCELED", TotalAmount: 1000}, 1000},
		{"va canceled before deposit", Payment{Status: "CANCELED", TotalAmount: 1000, VirtualAccount: &VirtualAccount{}}, 0},
		{"waiting", Payment{Status: "WAITING_FOR_DEPOSIT", TotalAmount: 1000}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Charge().RefundedAmount; got != tc.want {
				t.Errorf("RefundedAmount = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPaymentMethod(t *testing.T) {
	tests := []struct {
		method  string
		easyPay *EasyPay
		want    payments.Method
	}{
		{"카드", nil, payments.MethodCard},
		{"CARD", nil, payments.MethodCard},
		{"카드", &EasyPay{Provider: "토스페이"}, payments.MethodEasyPay},
		{"CARD", &EasyPay{Provider: "TOSSPAY"}, payments.MethodEasyPay},
		{"카드", &EasyPay{}, payments.MethodCard},
		{"가상계좌", nil, payments.MethodVirtualAccount},
		{"VIRTUAL_ACCOUNT", nil, payments.MethodVirtualAccount},
		{"간편결제", &EasyPay{Provider: "카카오페이"}, payments.MethodEasyPay},
		{"EASY_PAY", nil, payments.MethodEasyPay},
		{"easypay", nil, payments.MethodEasyPay},
		{"해외간편결제", nil, payments.MethodEasyPay},
		{"FOREIGN_EASY_PAY", nil, payments.MethodEasyPay},
		{"휴대폰", nil, payments.MethodMobile},
		{"MOBILE_PHONE", nil, payments.MethodMobile},
		{"계좌이체", nil, payments.MethodTransfer},
		{"TRANSFER", nil, payments.MethodTransfer},
		{"문화상품권", nil, payments.MethodGiftCertificate},
		{"도서문화상품권", nil, payments.MethodGiftCertificate},
		{"게임문화상품권", nil, payments.MethodGiftCertificate},
		{"CULTURE_GIFT_CERTIFICATE", nil, payments.MethodGiftCertificate},
		{"BOOK_GIFT_CERTIFICATE", nil, payments.MethodGiftCertificate},
		{"GAME_GIFT_CERTIFICATE", nil, payments.MethodGiftCertificate},
		{"", nil, ""},
		{"비트코인", nil, ""},
	}
	for _, tc := range tests {
		p := Payment{Method: tc.method, EasyPay: tc.easyPay}
		if got := p.PaymentMethod(); got != tc.want {
			t.Errorf("PaymentMethod(%q, %+v) = %q, want %q", tc.method, tc.easyPay, got, tc.want)
		}
	}
}

func TestExactAmount(t *testing.T) {
	tests := []struct {
		in      string
		exp     int
		want    int64
		wantErr bool
	}{
		{"58990", 0, 58990, false},
		{"58990.0", 0, 58990, false},
		{"5e4", 0, 50000, false},
		{"0", 0, 0, false},
		{"-100", 0, -100, false},
		{"58990.5", 0, 0, true},
		{"10.5", 2, 1050, false},
		{"10.505", 2, 0, true},
		{"1.5", 3, 1500, false},
		{"9223372036854775807", 0, 9223372036854775807, false},
		{"9223372036854775808", 0, 0, true},
		{"1e400", 0, 0, true},
		{"1e999999", 0, 0, true},
		{"1e-5", 5, 1, false},
		{"abc", 0, 0, true},
		{strings.Repeat("1", 41), 0, 0, true},
	}
	for _, tc := range tests {
		got, err := exactAmount(tc.in, tc.exp)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("exactAmount(%q, %d) = %d, %v; want %d, error %v", tc.in, tc.exp, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestPaymentDecodeStrictness(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr bool
		check   func(*Payment) string
	}{
		{"fractional KRW amount", `{"currency":"KRW","totalAmount":1000.5}`, true, nil},
		{"fractional cancel amount", `{"currency":"KRW","cancels":[{"cancelAmount":0.1}]}`, true, nil},
		{"amount as a word", `{"totalAmount":"lots"}`, true, nil},
		{"amount as a numeric string", `{"totalAmount":"1000"}`, false, func(p *Payment) string {
			if p.TotalAmount != 1000 {
				return fmt.Sprintf("totalAmount %d, want 1000", p.TotalAmount)
			}
			return ""
		}},
		{"bad timestamp", `{"approvedAt":"yesterday"}`, true, nil},
		{"not an object", `[1,2]`, true, nil},
		{"usd cents", `{"currency":"USD","totalAmount":10.5,"balanceAmount":10}`, false, func(p *Payment) string {
			if p.TotalAmount != 1050 || p.BalanceAmount != 1000 {
				return fmt.Sprintf("amounts %d %d, want 1050 1000", p.TotalAmount, p.BalanceAmount)
			}
			return ""
		}},
		{"no offset is Korean time", `{"requestedAt":"2022-01-01T00:00:00.000000"}`, false, func(p *Payment) string {
			if want := time.Date(2021, 12, 31, 15, 0, 0, 0, time.UTC); !p.RequestedAt.Equal(want) {
				return fmt.Sprintf("requestedAt %v, want %v", p.RequestedAt, want)
			}
			return ""
		}},
		{"unknown enums and fields", `{"status":"HELD","method":"NFT","type":"NEW","card":{"cardType":"QUANTUM","x":1},"y":[1]}`, false, func(p *Payment) string {
			if p.Status != "HELD" || p.Method != "NFT" || p.Card.CardType != "QUANTUM" {
				return fmt.Sprintf("decoded %+v", p)
			}
			return ""
		}},
		{"metadata values kept", `{"metadata":{"a":"b","n":1}}`, false, func(p *Payment) string {
			if diff := cmp.Diff(map[string]string{"a": "b", "n": "1"}, p.Metadata); diff != "" {
				return diff
			}
			return ""
		}},
		{"refund receive account", `{"virtualAccount":{"refundReceiveAccount":{"bankCode":"88","accountNumber":"123","holderName":"김"}}}`, false, func(p *Payment) string {
			if diff := cmp.Diff(&RefundReceiveAccount{Bank: "88", AccountNumber: "123", HolderName: "김"}, p.VirtualAccount.RefundReceiveAccount); diff != "" {
				return diff
			}
			return ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Payment
			err := json.Unmarshal([]byte(tc.json), &p)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error %v", err, tc.wantErr)
			}
			if tc.check != nil {
				if msg := tc.check(&p); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

// The deposit secret never prints, whatever the verb.
func TestPaymentSecretNeverPrinted(t *testing.T) {
	p := tyLoad(t, "payment_waiting_for_deposit.json")
	secret := p.Secret.Reveal()
	if secret == "" {
		t.Fatal("fixture has no secret")
	}
	ch := p.Charge()
	for _, s := range []string{fmt.Sprintf("%v", p), fmt.Sprintf("%+v", *p), fmt.Sprintf("%#v", *p), fmt.Sprintf("%+v", *ch)} {
		if strings.Contains(s, secret) {
			t.Errorf("printed payment contains the deposit secret: %s", s)
		}
	}
	b, _ := json.Marshal(ch)
	if strings.Contains(string(b), secret) {
		t.Error("marshalled charge contains the deposit secret")
	}
}

func TestVirtualAccountRequestJSON(t *testing.T) {
	due := time.Date(2026, 1, 30, 15, 0, 0, 0, time.UTC) // 2026-01-31 00:00 KST
	tests := []struct {
		name string
		req  VirtualAccountRequest
		want string
	}{
		{"minimal", VirtualAccountRequest{Amount: 9900, OrderID: "ORD-0001", OrderName: "Cap", CustomerName: "박토스", Bank: "20"},
			`{"amount":9900,"orderId":"ORD-0001","orderName":"Cap","customerName":"박토스","bank":"20"}`},
		{"full", VirtualAccountRequest{Amount: 9900, OrderID: "ORD-0001", OrderName: "Cap", CustomerName: "박토스", Bank: "20",
			DueDate: due, CustomerEmail: "a@example.com", CustomerMobilePhone: "01012345678", TaxFreeAmount: 100, UseEscrow: true,
			CashReceipt: &payments.CashReceipt{Type: "소득공제", RegistrationNumber: "01012345678"}},
			`{"amount":9900,"orderId":"ORD-0001","orderName":"Cap","customerName":"박토스","bank":"20","dueDate":"2026-01-31T00:00:00",` +
				`"customerEmail":"a@example.com","customerMobilePhone":"01012345678","taxFreeAmount":100,"useEscrow":true,` +
				`"cashReceipt":{"type":"소득공제","registrationNumber":"01012345678"}}`},
		{"valid hours", VirtualAccountRequest{Amount: 1, OrderID: "ORD-0001", OrderName: "C", CustomerName: "K", Bank: "88", ValidHours: 24},
			`{"amount":1,"orderId":"ORD-0001","orderName":"C","customerName":"K","bank":"88","validHours":24}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzPaymentDecode feeds arbitrary bytes to the Payment decoder: it must
// never panic, and what it accepts must give a charge whose status is a
// known one (or empty) and whose refunded amount is never negative.
func FuzzPaymentDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/payment_*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"totalAmount":1e309}`))
	f.Add([]byte(`{"currency":"KWD","totalAmount":-0.001}`))
	f.Add([]byte(`{"status":"PARTIAL_CANCELED","totalAmount":5,"balanceAmount":9}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Payment
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		ch := p.Charge()
		if ch.Status != "" && !ch.Status.Valid() {
			t.Errorf("invalid status %q", ch.Status)
		}
		if ch.RefundedAmount < 0 {
			t.Errorf("negative refunded amount %d", ch.RefundedAmount)
		}
		if ch.Method != "" && !ch.Method.Valid() {
			t.Errorf("invalid method %q", ch.Method)
		}
	})
}
