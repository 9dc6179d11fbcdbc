package stripe

import (
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
)

// methods maps Stripe's payment method types
// (https://docs.stripe.com/api/payment_methods/object#payment_method_object-type)
// to the library's methods, by how the customer pays:
//
//   - MethodCard: cards, in person or online (card, card_present,
//     interac_present, and kr_card, Korean cards). Apple Pay and Google
//     Pay payments are cards too: Stripe reports them as type card with a
//     wallet.
//   - MethodTransfer: money taken from or sent by the customer's bank
//     account at once or by debit: the bank debits (ACH us_bank_account,
//     SEPA, Bacs, BECS, ACSS, nz_bank_account) and the bank redirects and
//     account-to-account payments (iDEAL, Bancontact, EPS, giropay,
//     Przelewy24, Sofort, BLIK, FPX, Pix, PayNow, PromptPay, Swish,
//     TWINT, pay_by_bank, mb_way).
//   - MethodVirtualAccount: the customer is given payment details and
//     pays later, as into a Toss virtual account: bank transfers to
//     Stripe-issued account details (customer_balance) and the vouchers
//     paid at a bank, ATM or shop (boleto, konbini, OXXO, Multibanco).
//   - MethodEasyPay: wallets and pay-later providers (Link, PayPal, Alipay,
//     WeChat Pay, Cash App Pay, GrabPay, MobilePay, Revolut Pay, Amazon
//     Pay, Kakao Pay, Naver Pay, PAYCO, Samsung Pay, Klarna, Affirm,
//     Afterpay/Clearpay, Zip, Alma, Billie, Satispay).
//
// A type not listed (one newer than this library) maps to no method, and
// the attempt keeps the method it was prepared with; the gateway logs it.
var methods = map[stripego.PaymentMethodType]payments.Method{
	"card": payments.MethodCard, "card_present": payments.MethodCard, "interac_present": payments.MethodCard,
	"kr_card": payments.MethodCard,

	"us_bank_account": payments.MethodTransfer, "sepa_debit": payments.MethodTransfer, "bacs_debit": payments.MethodTransfer,
	"au_becs_debit": payments.MethodTransfer, "acss_debit": payments.MethodTransfer, "nz_bank_account": payments.MethodTransfer,
	"ideal": payments.MethodTransfer, "bancontact": payments.MethodTransfer, "eps": payments.MethodTransfer,
	"giropay": payments.MethodTransfer, "p24": payments.MethodTransfer, "sofort": payments.MethodTransfer,
	"blik": payments.MethodTransfer, "fpx": payments.MethodTransfer, "pix": payments.MethodTransfer,
	"paynow": payments.MethodTransfer, "promptpay": payments.MethodTransfer, "swish": payments.MethodTransfer,
	"twint": payments.MethodTransfer, "pay_by_bank": payments.MethodTransfer, "mb_way": payments.MethodTransfer,

	"customer_balance": payments.MethodVirtualAccount, "boleto": payments.MethodVirtualAccount,
	"konbini": payments.MethodVirtualAccount, "oxxo": payments.MethodVirtualAccount, "multibanco": payments.MethodVirtualAccount,

	"link": payments.MethodEasyPay, "paypal": payments.MethodEasyPay, "alipay": payments.MethodEasyPay,
	"wechat_pay": payments.MethodEasyPay, "cashapp": payments.MethodEasyPay, "grabpay": payments.MethodEasyPay,
	"mobilepay": payments.MethodEasyPay, "revolut_pay": payments.MethodEasyPay, "amazon_pay": payments.MethodEasyPay,
	"kakao_pay": payments.MethodEasyPay, "naver_pay": payments.MethodEasyPay, "payco": payments.MethodEasyPay,
	"samsung_pay": payments.MethodEasyPay, "klarna": payments.MethodEasyPay, "affirm": payments.MethodEasyPay,
	"afterpay_clearpay": payments.MethodEasyPay, "zip": payments.MethodEasyPay, "alma": payments.MethodEasyPay,
	"billie": payments.MethodEasyPay, "satispay": payments.MethodEasyPay,
}

// methodType is the payment method type a PaymentIntent was paid (or
// tried) with: its latest charge's payment_method_details.type, which
// says what was charged, or else its payment method's type (either only
// when expanded), or else the one type it accepts, when it accepts only
// one. Empty when none of these is known.
func methodType(pi *stripego.PaymentIntent) stripego.PaymentMethodType {
	if lc := pi.LatestCharge; lc != nil && lc.PaymentMethodDetails != nil && lc.PaymentMethodDetails.Type != "" {
		return stripego.PaymentMethodType(lc.PaymentMethodDetails.Type)
	}
	if pm := pi.PaymentMethod; pm != nil && pm.Type != "" {
		return pm.Type
	}
	return onlyType(pi.PaymentMethodTypes)
}

// onlyType is the single element of types, or "".
func onlyType(types []string) stripego.PaymentMethodType {
	if len(types) == 1 {
		return stripego.PaymentMethodType(types[0])
	}
	return ""
}
