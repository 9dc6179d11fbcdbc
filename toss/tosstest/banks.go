package tosstest

import "strings"

// bank is one row of the reference §10 table.
type bank struct {
	code    string   // two-character Toss code, used in responses
	korean  string   // Korean short name
	english string   // English request name
	aliases []string // other Korean spellings seen on the codes page
	issues  bool     // can issue virtual accounts (§3.6)
}

// banks returns the §10 bank table. It is a function, not a package
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
// Korean name or the English name (§3.6, §10).
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
