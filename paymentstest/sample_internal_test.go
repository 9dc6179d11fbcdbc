package paymentstest

import (
	"reflect"
	"sort"
	"testing"
	"time"
)

// samplePayment, the payment RunStoreTests writes and reads back, sets
// every field at every depth (in at least one element of each list), so
// that a store that drops a field, one added to payments.Payment later
// say, fails the suite.
func TestSamplePaymentFillsEveryField(t *testing.T) {
	set := map[string]bool{} // field path, list indices left out → set somewhere
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		if _, seen := set[path]; !seen {
			set[path] = false
		}
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				set[path] = true
				walk(path, v.Elem())
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				set[path] = set[path] || !v.Interface().(time.Time).IsZero()
				return
			}
			set[path] = true
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(path+"."+f.Name, v.Field(i))
				}
			}
		case reflect.Slice:
			set[path] = set[path] || v.Len() > 0
			for i := range v.Len() {
				walk(path+"[]", v.Index(i))
			}
		default:
			set[path] = set[path] || !v.IsZero()
		}
	}
	walk("Payment", reflect.ValueOf(samplePayment("ORD-SAMPLE")))
	var missing []string
	for path, ok := range set {
		// The store assigns Version itself.
		if !ok && path != "Payment.Version" {
			missing = append(missing, path)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("samplePayment leaves %s unset", m)
	}
}
