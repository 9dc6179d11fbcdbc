package tosstest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is an error answer of the Toss API: an HTTP status and the
// {"code","message"} body that the real API sends with it. Controls such as
// [Server.Authorize] return it too, so a caller can read the code.
type Error struct {
	// Status is the HTTP status the real API answers with for Code.
	Status int `json:"-"`
	// Code is the upper-snake Toss error code, e.g. NOT_FOUND_PAYMENT.
	Code string `json:"code"`
	// Message is the Korean message the real API sends for Code.
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("tosstest: %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrorFor returns the error the real API answers with for code: its HTTP
// status (https://docs.tosspayments.com/reference/error-codes) and Korean
// message. ok is false for a code the fake
// does not know; [Server.FailNext] and the TossPayments-Test-Code header accept
// exactly the codes for which ok is true.
func ErrorFor(code string) (e *Error, ok bool) {
	status, msg := lookupError(code)
	if status == 0 {
		return nil, false
	}
	return &Error{Status: status, Code: code, Message: msg}, true
}

// apiError is ErrorFor for codes the fake itself emits; an unknown code is a
// bug in the fake, answered as 500 so that tests notice.
func apiError(code string) *Error {
	if e, ok := ErrorFor(code); ok {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: "UNKNOWN_ERROR", Message: "tosstest: unknown code " + code}
}

func (e *Error) body() []byte {
	b, err := json.Marshal(e)
	if err != nil { // cannot happen: two strings
		return []byte(`{"code":"UNKNOWN_ERROR","message":""}`)
	}
	return b
}

// Failure codes stored on payments (Payment.failure), not HTTP errors.
const (
	failureExpired     = "EXPIRED_PAYMENT"
	failureExpiredText = "결제가 만료되었습니다. 다시 시도해주세요."
)

// lookupError holds the HTTP status and Korean message of every code of
// https://docs.tosspayments.com/reference/error-codes (confirm, cancel,
// idempotency and the full core list). The messages are those of that
// page.
func lookupError(code string) (int, string) {
	switch code {
	// 400, confirm table.
	case "ALREADY_PROCESSED_PAYMENT":
		return 400, "이미 처리된 결제 입니다."
	case "PROVIDER_ERROR":
		return 400, "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요."
	case "EXCEED_MAX_CARD_INSTALLMENT_PLAN":
		return 400, "설정 가능한 최대 할부 개월 수를 초과했습니다."
	case "INVALID_REQUEST":
		return 400, "잘못된 요청입니다."
	case "NOT_ALLOWED_POINT_USE":
		return 400, "포인트 사용이 불가한 카드로 카드 포인트 결제에 실패했습니다."
	case "INVALID_API_KEY":
		return 400, "잘못된 시크릿키 연동 정보 입니다."
	case "INVALID_REJECT_CARD":
		return 400, "카드 사용이 거절되었습니다. 카드사 문의가 필요합니다."
	case "BELOW_MINIMUM_AMOUNT":
		return 400, "신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다."
	case "INVALID_CARD_EXPIRATION":
		return 400, "카드 정보를 다시 확인해주세요. (유효기간)"
	case "INVALID_STOPPED_CARD":
		return 400, "정지된 카드 입니다."
	case "EXCEED_MAX_DAILY_PAYMENT_COUNT":
		return 400, "하루 결제 가능 횟수를 초과했습니다."
	case "NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT":
		return 400, "할부가 지원되지 않는 카드 또는 가맹점 입니다."
	case "INVALID_CARD_INSTALLMENT_PLAN":
		return 400, "할부 개월 정보가 잘못되었습니다."
	case "NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN":
		return 400, "할부 또는 무이자 할부가 지원되지 않는 카드입니다."
	case "EXCEED_MAX_PAYMENT_AMOUNT":
		return 400, "하루 결제 가능 금액을 초과했습니다."
	case "NOT_FOUND_TERMINAL_ID":
		return 400, "단말기번호(Terminal Id)가 없습니다. 토스페이먼츠로 문의 바랍니다."
	case "INVALID_AUTHORIZE_AUTH":
		return 400, "잘못된 인증 방식입니다."
	case "INVALID_CARD_LOST_OR_STOLEN":
		return 400, "분실 혹은 도난 카드입니다."
	case "RESTRICTED_TRANSFER_ACCOUNT":
		return 400, "계좌는 등록 후 12시간 뒤부터 결제할 수 있습니다. 관련 정책은 해당 은행으로 문의해주세요."
	case "INVALID_CARD_NUMBER":
		return 400, "카드번호를 다시 확인해주세요."
	case "INVALID_UNREGISTERED_SUBMALL":
		return 400, "미등록된 PG 하위몰 이거나 단독가맹점은 안심클릭/ISP 결제가 필요합니다."
	case "NOT_REGISTERED_BUSINESS":
		return 400, "등록되지 않은 사업자 번호입니다."
	case "EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT":
		return 400, "1일 출금 한도를 초과했습니다."
	case "EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT":
		return 400, "1회 출금 한도를 초과했습니다."
	case "CARD_PROCESSING_ERROR":
		return 400, "카드사에서 오류가 발생했습니다."
	case "EXCEED_MAX_AMOUNT":
		return 400, "거래금액 한도를 초과했습니다."
	case "INVALID_ACCOUNT_INFO_RE_REGISTER":
		return 400, "유효하지 않은 계좌입니다. 계좌 재등록 후 시도해주세요."
	case "NOT_AVAILABLE_PAYMENT":
		return 400, "결제가 불가능한 시간대입니다."
	case "UNAPPROVED_ORDER_ID":
		return 400, "아직 승인되지 않은 주문번호입니다."
	case "EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT":
		return 400, "당월 결제 가능금액인 1,000,000원을 초과 하셨습니다."

	// 400, cancel table.
	case "ALREADY_CANCELED_PAYMENT":
		return 400, "이미 취소된 결제 입니다."
	case "INVALID_REFUND_ACCOUNT_INFO":
		return 400, "환불 계좌번호와 예금주명이 일치하지 않습니다."
	case "EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT":
		return 400, "즉시할인금액보다 적은 금액은 부분취소가 불가능합니다."
	case "INVALID_REFUND_ACCOUNT_NUMBER":
		return 400, "잘못된 환불 계좌번호입니다."
	case "INVALID_BANK":
		return 400, "유효하지 않은 은행입니다."
	case "NOT_MATCHES_REFUNDABLE_AMOUNT":
		return 400, "잔액 결과가 일치하지 않습니다."
	case "REFUND_REJECTED":
		return 400, "환불이 거절됐습니다. 결제사에 문의 부탁드립니다."
	case "ALREADY_REFUND_PAYMENT":
		return 400, "이미 환불된 결제입니다."
	case "FORBIDDEN_BANK_REFUND_REQUEST":
		return 400, "고객 계좌가 입금되지 않는 상태입니다."
	case "ALREADY_REFUNDING_PAYMENT":
		return 400, "이미 환불 중인 결제입니다."
	case "INVALID_REFUND_AMOUNT":
		return 400, "잘못된 환불 금액입니다."
	case "EXCEED_CANCEL_LIMIT":
		return 400, "취소 한도 금액을 초과했습니다."

	// Idempotency.
	case "INVALID_IDEMPOTENCY_KEY":
		return 400, "멱등키는 300자 이하여야 합니다."
	case "IDEMPOTENT_REQUEST_PROCESSING":
		return 409, "이전 멱등 요청이 처리중입니다."

	// 400, rest of the full core list.
	case "ACCOUNT_OWNER_CHECK_FAILED":
		return 400, "계좌 소유주를 가져오는데 실패했습니다. 은행코드, 계좌번호를 확인해주세요."
	case "ALREADY_CLOSE_ACCOUNT":
		return 400, "이미 해지된 계좌입니다."
	case "ALREADY_COMPLETED_PAYMENT":
		return 400, "이미 완료된 결제 입니다."
	case "API_VERSION_UPDATE_NEEDED":
		return 400, "이 API를 사용하려면 [VERSION] 이상의 버전을 사용해야 합니다. 개발자센터(https://developers.tosspayments.com)에서 버전을 변경해주세요."
	case "BELOW_ZERO_AMOUNT":
		return 400, "금액은 0보다 커야 합니다."
	case "DUPLICATED_CASH_RECEIPT":
		return 400, "이미 현금영수증이 발급된 주문입니다."
	case "DUPLICATED_ORDER_ID":
		return 400, "이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요."
	case "DUPLICATED_REQUEST":
		return 400, "중복된 요청입니다."
	case "EXCEED_MAX_DUE_DATE":
		return 400, "가상 계좌의 최대 유효만료 기간을 초과했습니다."
	case "EXCEED_MAX_QUERY_LIMIT":
		return 400, "최대 조회 개수를 초과했습니다."
	case "EXCEED_MAX_VALID_HOURS":
		return 400, "가상 계좌의 최대 유효시간을 초과했습니다."
	case "EXCEED_MIN_CARD_INSTALLMENT_PLAN":
		return 400, "설정 가능한 최소 할부 개월 수를 1개월 이상으로 설정해주세요."
	case "EXCEED_UNKNOWN_CASE":
		return 400, "한도 초과 되었습니다."
	case "EXCEEDS_TRANSFER_AMOUNT_MAXIMUM":
		return 400, "계좌이체는 한 번에 1,000만 원 이하로만 결제하실 수 있어요. 금액을 낮춰 다시 시도해 주세요."
	case "INCORRECT_FAIL_URL_FORMAT":
		return 400, "잘못된 failUrl 입니다."
	case "INCORRECT_SUCCESS_URL_FORMAT":
		return 400, "잘못된 successUrl 입니다."
	case "INVALID_ACCOUNT_NOT_CORRECT_BANK":
		return 400, "입력하신 계좌는 해당 은행의 계좌가 아닙니다."
	case "INVALID_ACCOUNT_NUMBER":
		return 400, "계좌번호가 올바르지 않습니다."
	case "INVALID_ACCOUNT_NUMBER_OR_UNAVAILABLE":
		return 400, "잘못된 계좌번호이거나 서비스 불가한 계좌입니다."
	case "INVALID_BILL_KEY_REQUEST":
		return 400, "빌링키 인증이 완료되지 않았거나 유효하지 않은 빌링 거래 건입니다."
	case "INVALID_BILLING_AUTH":
		return 400, "유효하지 않은 빌링 인증입니다."
	case "INVALID_BIRTH_DAY_FORMAT":
		return 400, "생년월일 정보는 6자리의 yyMMdd 형식이어야 합니다. 사업자등록번호는 10자리의 숫자여야 합니다."
	case "INVALID_BUSINESS_NUMBER":
		return 400, "사업자 등록번호가 잘못되었습니다."
	case "INVALID_CARD":
		return 400, "카드 입력정보가 올바르지 않습니다."
	case "INVALID_CARD_COMPANY":
		return 400, "유효하지 않은 카드사입니다."
	case "INVALID_CARD_IDENTITY":
		return 400, "입력하신 주민번호/사업자번호가 카드 소유주 정보와 일치하지 않습니다."
	case "INVALID_CARD_INSTALLMENT_AMOUNT":
		return 400, "할부금액 잘못 되었습니다."
	case "INVALID_CARD_INSTALLMENT_PLANS_WITH_MAX_AND_SINGLE":
		return 400, "cardInstallmentPlan과 maxCardInstallmentPlan은 같이 사용할 수 없습니다."
	case "INVALID_CARD_PASSWORD":
		return 400, "카드 정보를 다시 확인해주세요.(비밀번호)"
	case "INVALID_CASH_RECEIPT_INFO":
		return 400, "현금 영수증 정보가 잘못되었습니다."
	case "INVALID_CLIENT_KEY":
		return 400, "잘못된 클라이언트 연동 정보 입니다."
	case "INVALID_CURRENCY":
		return 400, "잘못된 통화 값입니다."
	case "INVALID_CUSTOMER_KEY":
		return 400, "customerKey는 영문 대소문자, 숫자, 특수문자 -, *, =, ., @로 2자 이상 255자 이하여야 합니다."
	case "INVALID_DATE":
		return 400, "날짜 데이터가 잘못 되었습니다."
	case "INVALID_EASY_PAY":
		return 400, "간편결제 입력정보가 올바르지 않습니다."
	case "INVALID_EMAIL":
		return 400, "이메일 주소 형식에 맞지 않습니다."
	case "INVALID_FLOW_MODE_PARAMETERS":
		return 400, "인증 창을 먼저 띄우려면 카드사 코드 또는 은행 코드 또는 간편결제수단이 같이 전달되어야 합니다."
	case "INVALID_IDENTIFICATION_TYPE":
		return 400, "유효하지 않은 본인 인증 타입입니다."
	case "INVALID_ISO_DATE_FORMAT":
		return 400, "시간 일시 형식이 잘못되었습니다. 시간 형식은 ISO 8601 형식을 준수해야 합니다."
	case "INVALID_ORDER_ID":
		return 400, "orderId는 영문 대소문자, 숫자, 특수문자(-, _) 만 허용합니다. 6자 이상 64자 이하여야 합니다."
	case "INVALID_ORDER_NAME":
		return 400, "주문 이름은 100자 이하여야 합니다."
	case "INVALID_PAGING_KEY":
		return 400, "잘못된 페이징 키 입니다."
	case "INVALID_PAYMENT_KEY":
		return 400, "잘못된 결제 키 입니다."
	case "INVALID_REQUIRED_PARAM":
		return 400, "필수 파라미터가 누락되었습니다."
	case "INVALID_SUCCESS_URL":
		return 400, "successUrl 값은 필수 값입니다."
	case "INVALID_TEST_CODE":
		return 400, "유효하지 않은 테스트 코드입니다."
	case "INVALID_URL":
		return 400, "url 은 http, https 를 포함한 주소 형식이어야 합니다."
	case "INVALID_URL_FORMAT":
		return 400, "잘못된 URL 형식입니다."
	case "INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE":
		return 400, "validHours와 dueDate는 같이 사용할 수 없습니다."
	case "INVALID_VIRTUAL_ACCOUNT_TYPE":
		return 400, "유효하지 않은 가상계좌 타입입니다."
	case "MAINTAINED_METHOD":
		return 400, "현재 점검 중 입니다."
	case "NOT_ALLOWED_INSTALLMENT_BELOW_AMOUNT":
		return 400, "해당 카드는 10000원 미만 할부 거래가 불가한 카드입니다."
	case "NOT_MATCHES_CUSTOMER_KEY":
		return 400, "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다."
	case "NOT_SUPPORTED_CARD_TYPE":
		return 400, "지원되지 않는 카드 종류입니다."
	case "NOT_SUPPORTED_METHOD":
		return 400, "지원되지 않는 결제수단입니다."
	case "NOT_SUPPORTED_PROCESS":
		return 400, "지원되지 않는 작업입니다."
	case "NOT_SUPPORTED_USD":
		return 400, "선택하신 카드 또는 결제수단은 달러 결제가 불가합니다."
	case "PAY_PROCESS_ABORTED":
		return 400, "결제가 취소되었거나 진행되지 않았습니다."
	case "PAY_PROCESS_CANCELED":
		return 400, "결제가 사용자에 의해 취소되었습니다."
	case "REQUIRED_ACCOUNT_KEY":
		return 400, "고정계좌는 발급용 고객키값이 필수입니다."
	case "REQUIRED_AMOUNT":
		return 400, "금액 값이 필수입니다."
	case "USER_ACCOUNT_ON_HOLD":
		return 400, "계정이 사용 불가능한 상태입니다."

	// 401.
	case "UNAUTHORIZED_KEY":
		return 401, "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."

	// 403.
	case "REJECT_ACCOUNT_PAYMENT":
		return 403, "잔액부족으로 결제에 실패했습니다."
	case "REJECT_CARD_PAYMENT":
		return 403, "한도초과 혹은 잔액부족으로 결제에 실패했습니다."
	case "REJECT_CARD_COMPANY":
		return 403, "결제 승인이 거절되었습니다."
	case "FORBIDDEN_REQUEST":
		return 403, "허용되지 않은 요청입니다."
	case "REJECT_TOSSPAY_INVALID_ACCOUNT":
		return 403, "선택하신 출금 계좌가 출금이체 등록이 되어 있지 않아요. 계좌를 다시 등록해 주세요."
	case "EXCEED_MAX_AUTH_COUNT":
		return 403, "최대 인증 횟수를 초과했습니다. 카드사로 문의해주세요."
	case "EXCEED_MAX_ONE_DAY_AMOUNT":
		return 403, "일일 한도를 초과했습니다."
	case "NOT_AVAILABLE_BANK":
		return 403, "은행 서비스 시간이 아닙니다."
	case "INVALID_PASSWORD":
		return 403, "결제 비밀번호가 일치하지 않습니다."
	case "INCORRECT_BASIC_AUTH_FORMAT":
		return 403, "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요."
	case "FDS_ERROR":
		return 403, "[토스페이먼츠] 위험거래가 감지되어 결제가 제한됩니다. 발송된 문자에 포함된 링크를 통해 본인인증 후 결제가 가능합니다. (고객센터: 1644-8051)"
	case "NOT_CANCELABLE_AMOUNT":
		return 403, "취소 할 수 없는 금액 입니다."
	case "FORBIDDEN_CONSECUTIVE_REQUEST":
		return 403, "반복적인 요청은 허용되지 않습니다. 잠시 후 다시 시도해주세요."
	case "NOT_CANCELABLE_PAYMENT":
		return 403, "취소 할 수 없는 결제 입니다."
	case "EXCEED_MAX_REFUND_DUE":
		return 403, "환불 가능한 기간이 초과했습니다."
	case "NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT":
		return 403, "입금 대기중인 결제는 부분 환불이 불가합니다."
	case "NOT_ALLOWED_PARTIAL_REFUND":
		return 403, "에스크로 주문, 현금 카드 결제 등의 사유로 부분 환불이 불가합니다."
	case "NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER":
		return 403, "휴면 처리된 회원의 결제는 취소할 수 없습니다."
	case "EXCEED_MAX_REFUND_AMOUNT":
		return 403, "하루 또는 한달 환불 가능한 금액을 초과했습니다."
	case "NOT_ALLOWED_REFUND_BANK":
		return 403, "환불 가능한 은행이 아닙니다."
	case "NOT_SUPPORTED_REFUND":
		return 403, "환불 가능한 상점이 아닙니다."
	case "NOT_ALLOWED_CHANGING_ACCOUNT":
		return 403, "이미 입금, 반납된 계좌의 정보 변경은 불가합니다."

	// 404.
	case "NOT_FOUND_PAYMENT":
		return 404, "존재하지 않는 결제 정보 입니다."
	case "NOT_FOUND_PAYMENT_SESSION":
		return 404, "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다."
	case "NOT_FOUND":
		return 404, "존재하지 않는 정보 입니다."
	case "NOT_FOUND_BILLING":
		return 404, "존재하지 않는 빌링 결제 인증 정보 입니다."
	case "NOT_FOUND_HTTP_METHOD":
		return 404, "존재하지 않는 HTTP 메소드 접근입니다."
	case "NOT_FOUND_MERCHANT":
		return 404, "존재하지 않는 상점 정보 입니다."
	case "NOT_FOUND_MERCHANT_INTEGRATION":
		return 404, "존재하지 않는 상점 연동 정보 입니다."
	case "NOT_FOUND_METHOD":
		return 404, "존재하지 않는 결제수단 입니다."

	// 500.
	case "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING":
		return 500, "결제가 완료되지 않았어요. 다시 시도해주세요."
	case "FAILED_INTERNAL_SYSTEM_PROCESSING":
		return 500, "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요."
	case "UNKNOWN_PAYMENT_ERROR":
		return 500, "결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요."
	case "FAILED_REFUND_PROCESS":
		return 500, "은행 응답시간 지연이나 일시적인 오류로 환불요청에 실패했습니다."
	case "FAILED_METHOD_HANDLING_CANCEL":
		return 500, "취소 중 결제 시 사용한 결제수단 처리과정에서 일시적인 오류가 발생했습니다."
	case "FAILED_PARTIAL_REFUND":
		return 500, "은행 점검, 해약 계좌 등의 사유로 부분 환불이 실패했습니다."
	case "FAILED_CLOSED_ACCOUNT_REFUND":
		return 500, "해지된 계좌로 환불에 실패했습니다."
	case "COMMON_ERROR":
		return 500, "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요."
	case "FAILED_BILL_KEY_AUTH_CREATION":
		return 500, "빌링 결제 인증 중 키 생성에 실패했습니다. 잠시 후 다시 시도해주세요."
	case "FAILED_BILLING_AUTO_CANCEL":
		return 500, "빌링 자동결제 취소에 일시적인 오류가 발생했습니다."
	case "FAILED_DB_PROCESSING":
		return 500, "잘못된 요청 값으로 처리 중 DB 에러가 발생했습니다."
	case "FAILED_HASH_DATA_CREATION":
		return 500, "해시 데이터 생성 중 오류가 발생했습니다."
	case "FAILED_METHOD_HANDLING":
		return 500, "결제 중 선택한 결제수단 처리에 일시적인 오류가 발생했습니다."
	case "UNKNOWN_ERROR":
		return 500, "확인되지 않은 오류입니다. 잠시 후 다시 시도해주세요."
	}
	return 0, ""
}
