package tosstest

import "strings"

// bank is one row of Toss's bank code table
// (https://docs.tosspayments.com/codes/org-codes#은행-코드).
type bank struct {
	code    string   // two-character Toss code, used in responses
	korean  string   // Korean short name
	english string   // English request name
	aliases []string // other Korean spellings seen on the codes page
	issues  bool     // can issue virtual accounts
}

// banks returns the bank table. It is a function, not a package
// variable, so that the package holds no global state.
func banks() []bank {
	return []bank{
		{"39", "경남", "KYONGNAMBANK", []string{"경남은행"}, true},
		{"34", "광주", "GWANGJUBANK", []string{"광주은행"}, true},
		{"12", "단위농협", "LOCALNONGHYEOP", []string{"지역농축협"}, false},
		{"32", "부산", "BUSANBANK", []string{"부산은행"}, true},
		{"45", "새마을", "SAEMAUL", []string{"새마을금고"}, true},
		{"64", "산림", "SANLIM", []string{"산림조합"}, false},
		{"88", "신한", "SHINHAN", []string{"신한은행"}, true},
		{"48", "신협", "SHINHYEOP", nil, false},
		{"27", "씨티", "CITI", []string{"씨티은행"}, false},
		{"20", "우리", "WOORI", []string{"우리은행"}, true},
		{"71", "우체국", "POST", []string{"우체국예금보험"}, true},
		{"50", "저축", "SAVINGBANK", []string{"저축은행중앙회"}, false},
		{"37", "전북", "JEONBUKBANK", []string{"전북은행"}, true},
		{"35", "제주", "JEJUBANK", []string{"제주은행"}, false},
		{"90", "카카오", "KAKAOBANK", []string{"카카오뱅크"}, false},
		{"89", "케이", "KBANK", []string{"케이뱅크"}, true},
		{"92", "토스", "TOSSBANK", []string{"토스뱅크"}, false},
		{"81", "하나", "HANA", []string{"하나은행"}, true},
		{"54", "홍콩상하이은행", "HSBC", nil, false},
		{"03", "기업", "IBK", []string{"IBK기업"}, true},
		{"06", "국민", "KOOKMIN", []string{"KB국민"}, true},
		{"31", "대구", "DAEGUBANK", []string{"DGB대구", "iM뱅크"}, true},
		{"02", "산업", "KDBBANK", []string{"KDB산업"}, false},
		{"11", "농협", "NONGHYEOP", []string{"NH농협"}, true},
		{"23", "SC제일", "SC", nil, false},
		{"07", "수협", "SUHYEOP", []string{"Sh수협"}, true},
	}
}

// lookupBank resolves a request's bank value, given as the Toss code, the
// Korean name or the English name.
func lookupBank(v string) (bank, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return bank{}, false
	}
	for _, b := range banks() {
		if v == b.code || v == b.korean || strings.EqualFold(v, b.english) {
			return b, true
		}
		for _, a := range b.aliases {
			if v == a {
				return b, true
			}
		}
	}
	return bank{}, false
}

// securitiesFirms are the securities-firm codes of Toss's code table
// (https://docs.tosspayments.com/codes/org-codes), with the firms' Korean
// names. Refund accounts (refundReceiveAccount.bank) may be at one of
// them; virtual accounts cannot be issued there.
func securitiesFirms() map[string]string {
	return map[string]string{
		"S0": "유안타증권", "S2": "신한금융투자", "S3": "삼성증권", "S4": "KB증권", "S5": "미래에셋증권",
		"S6": "한국투자증권", "S8": "교보증권", "S9": "하이투자증권", "SA": "현대차증권", "SB": "키움증권",
		"SD": "SK증권", "SE": "대신증권", "SG": "한화투자증권", "SH": "하나금융투자", "SI": "DB금융투자",
		"SJ": "유진투자증권", "SK": "메리츠증권", "SL": "NH투자증권", "SM": "부국증권", "SN": "신영증권",
		"SO": "LIG투자", "SP": "KTB투자증권", "SQ": "카카오페이증권", "SR": "펀드온라인코리아", "ST": "토스증권",
	}
}

// isSecuritiesFirm reports whether v is a securities-firm code or name.
func isSecuritiesFirm(v string) bool {
	v = strings.TrimSpace(v)
	for code, name := range securitiesFirms() {
		if v == code || v == name {
			return true
		}
	}
	return false
}
