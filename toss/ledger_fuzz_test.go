package toss

import (
	"encoding/json"
	"testing"
)

// FuzzLedgerDecode: any body decodes into transactions and settlements
// or fails with an error, never a panic, and a decoded row's amounts are
// whole minor units that survive a second decoding of the same body.
func FuzzLedgerDecode(f *testing.F) {
	f.Add(`[{"transactionKey":"t","paymentKey":"p","status":"DONE","transactionAt":"2024-01-31T10:00:00+09:00","currency":"KRW","amount":15000}]`)
	f.Add(`[{"paymentKey":"p","currency":"USD","amount":-12.5,"fees":[{"type":"BASE","fee":0.3}],"payOutAmount":-12.2,"approvedAt":"2024-01-31T10:00:00","soldDate":"2024-01-31","paidOutDate":"2024-02-02","cancel":{"canceledAt":"2024-01-31T11:00:00+09:00"}}]`)
	f.Add(`[{"amount":1e400}]`)
	f.Fuzz(func(t *testing.T, body string) {
		var txs []Transaction
		if err := json.Unmarshal([]byte(body), &txs); err == nil {
			var again []Transaction
			if err := json.Unmarshal([]byte(body), &again); err != nil || len(again) != len(txs) {
				t.Fatalf("second decoding: %v", err)
			}
			for i := range txs {
				if txs[i].Amount != again[i].Amount || !txs[i].TransactionAt.Equal(again[i].TransactionAt) {
					t.Fatalf("row %d decoded two ways", i)
				}
				_ = transactionEntry(&txs[i])
			}
		}
		var sts []Settlement
		if err := json.Unmarshal([]byte(body), &sts); err == nil {
			for i := range sts {
				e := settlementEntry(&sts[i])
				if e.Net != -e.Fee {
					t.Fatalf("settlement %d: net %d, fee %d", i, e.Net, e.Fee)
				}
			}
		}
	})
}
