// Package banks knows Toss Payments' bank codes: the two-character codes
// Toss uses in requests and responses, and the Korean and English names it
// also accepts in requests.
package banks

import "strings"

// Bank is one bank.
type Bank struct {
	Code    string // Toss code, e.g. "20"
	Korean  string // short Korean name, e.g. "우리"
	English string // Toss's English name, e.g. "WOORI"
}

// All lists the banks, from the Toss bank-code table. Note that KB Kookmin
// is "06" in Toss's table (004 is the interbank code).
var All = []Bank{
	{"39", "경남", "KYONGNAMBANK"}, {"34", "광주", "GWANGJUBANK"}, {"12", "단위농협", "LOCALNONGHYEOP"},
	{"32", "부산", "BUSANBANK"}, {"45", "새마을", "SAEMAUL"}, {"64", "산림", "SANLIM"},
	{"88", "신한", "SHINHAN"}, {"48", "신협", "SHINHYEOP"}, {"27", "씨티", "CITI"},
	{"20", "우리", "WOORI"}, {"71", "우체국", "POST"}, {"50", "저축", "SAVINGBANK"},
	{"37", "전북", "JEONBUKBANK"}, {"35", "제주", "JEJUBANK"}, {"90", "카카오", "KAKAOBANK"},
	{"89", "케이", "KBANK"}, {"92", "토스", "TOSSBANK"}, {"81", "하나", "HANA"},
	{"54", "홍콩상하이은행", "HSBC"}, {"03", "기업", "IBK"}, {"06", "국민", "KOOKMIN"},
	{"31", "대구", "DAEGUBANK"}, {"02", "산업", "KDBBANK"}, {"11", "농협", "NONGHYEOP"},
	{"23", "SC제일", "SC"}, {"07", "수협", "SUHYEOP"},
}

// aliases are longer names people write for the same banks.
var aliases = map[string]string{
	"경남은행": "39", "광주은행": "34", "지역농축협": "12", "부산은행": "32", "새마을금고": "45",
	"산림조합": "64", "신한은행": "88", "씨티은행": "27", "우리은행": "20", "우체국예금보험": "71",
	"저축은행중앙회": "50", "전북은행": "37", "제주은행": "35", "카카오뱅크": "90", "케이뱅크": "89",
	"토스뱅크": "92", "하나은행": "81", "ibk기업": "03", "ibk기업은행": "03", "기업은행": "03",
	"kb국민": "06", "kb국민은행": "06", "국민은행": "06", "dgb대구": "31", "im뱅크": "31", "대구은행": "31",
	"kdb산업": "02", "산업은행": "02", "nh농협": "11", "농협은행": "11", "sc제일은행": "23", "sh수협": "07",
	"수협은행": "07",
}

var byKey = func() map[string]string {
	m := make(map[string]string)
	for _, b := range All {
		m[b.Code] = b.Code
		m[strings.ToLower(b.Korean)] = b.Code
		m[strings.ToLower(b.English)] = b.Code
	}
	for k, v := range aliases {
		m[k] = v
	}
	return m
}()

// Normalize returns the Toss code for a code, Korean name or English name
// ("20", "우리", "우리은행", "WOORI", "woori"), and false if it knows none.
func Normalize(s string) (string, bool) {
	c, ok := byKey[strings.ToLower(strings.TrimSpace(s))]
	return c, ok
}

// securitiesFirms are the securities-firm codes of Toss's code table
// (https://docs.tosspayments.com/codes/org-codes) with the firms' Korean
// names. A refund account (refundReceiveAccount.bank) may be at one of
// them; a virtual account cannot be issued there.
var securitiesFirms = map[string]string{
	"S0": "유안타증권", "S2": "신한금융투자", "S3": "삼성증권", "S4": "KB증권", "S5": "미래에셋증권",
	"S6": "한국투자증권", "S8": "교보증권", "S9": "하이투자증권", "SA": "현대차증권", "SB": "키움증권",
	"SD": "SK증권", "SE": "대신증권", "SG": "한화투자증권", "SH": "하나금융투자", "SI": "DB금융투자",
	"SJ": "유진투자증권", "SK": "메리츠증권", "SL": "NH투자증권", "SM": "부국증권", "SN": "신영증권",
	"SO": "LIG투자", "SP": "KTB투자증권", "SQ": "카카오페이증권", "SR": "펀드온라인코리아", "ST": "토스증권",
}

// NormalizeAccount is [Normalize] for the bank of an account money is sent
// back to, which may also be a securities firm ("S3", "삼성증권"): it
// returns the Toss code, and false if it knows none.
func NormalizeAccount(s string) (string, bool) {
	if code, ok := Normalize(s); ok {
		return code, true
	}
	s = strings.TrimSpace(s)
	for code, name := range securitiesFirms {
		if strings.EqualFold(s, code) || s == name {
			return code, true
		}
	}
	return "", false
}
