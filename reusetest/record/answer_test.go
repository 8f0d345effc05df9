package record

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// notRecorded are the fields of the probe's answer no record keeps: the
// call's own request id, what the caller already knows (its tenant, the
// sleep and the leak it asked for), and the function's settings, the same
// for every call. Any other answer field must reach a Record field of its
// JSON name, or whose answer tag names it.
var notRecorded = []string{"request_id", "tenant_id", "slept_ms", "leaked_kb", "function_version", "region", "arch", "go_version"}

// TestSetAnswerFillsEveryField fills every field of the probe's answer,
// by reflection, with a value a record keeps, and checks that each
// reaches the Record field of its JSON name and nothing else is touched;
// an answer field that reaches no record field, and is not listed as not
// recorded, fails by name (a misspelt JSON name on either side).
func TestSetAnswerFillsEveryField(t *testing.T) {
	var a protocol.Response
	av := reflect.ValueOf(&a).Elem()
	for i := range av.NumField() {
		f := av.Type().Field(i)
		name, _ := jsonName(f)
		switch name {
		case "init_type":
			av.Field(i).SetString(string(InitSnapStart)) // a documented type: kept
		case "init_at":
			av.Field(i).SetString("2026-11-27T08:00:00.123456789+01:00")
		default:
			switch f.Type.Kind() {
			case reflect.String:
				av.Field(i).SetString("v-" + name)
			case reflect.Int, reflect.Int64:
				av.Field(i).SetInt(int64(2 + i)) // more than one at once: kept
			case reflect.Float64:
				av.Field(i).SetFloat(float64(i) + 0.125)
			default:
				t.Fatalf("answer field %s: type %v: teach this test a value for it", f.Name, f.Type)
			}
		}
	}
	var r Record
	r.SetAnswer(&a)

	rv := reflect.ValueOf(&r).Elem()
	reached := map[string]bool{}
	for j := range rv.NumField() {
		f := rv.Type().Field(j)
		name, ok := answerName(f)
		i := -1
		if ok {
			i = slices.IndexFunc(reflect.VisibleFields(av.Type()), func(g reflect.StructField) bool { n, _ := jsonName(g); return n == name })
		}
		got := rv.Field(j).Interface()
		if i < 0 {
			assert.Check(t, rv.Field(j).IsZero(), "Record.%s (%q) is not in the answer, yet SetAnswer set it to %v", f.Name, name, got)
			continue
		}
		reached[name] = true
		var want any = av.Field(i).Interface()
		switch f.Type {
		case reflect.TypeFor[time.Time]():
			want = time.Date(2026, 11, 27, 7, 0, 0, 123456789, time.UTC)
		default:
			want = av.Field(i).Convert(f.Type).Interface()
		}
		assert.Check(t, is.DeepEqual(got, want), "Record.%s (%q) from the answer's %s", f.Name, name, av.Type().Field(i).Name)
	}
	for i := range av.NumField() {
		name, _ := jsonName(av.Type().Field(i))
		assert.Check(t, reached[name] || slices.Contains(notRecorded, name),
			"the answer's %s (%q) reaches no record field: declare it in Record under the same JSON name, or add it to notRecorded", av.Type().Field(i).Name, name)
		assert.Check(t, !reached[name] || !slices.Contains(notRecorded, name), "%q is recorded, yet listed as not recorded", name)
	}
}

// TestSetAnswerKeepsWhatARecordMayHold: an answer is an allow-list; what
// a record cannot hold is not kept.
func TestSetAnswerKeepsWhatARecordMayHold(t *testing.T) {
	at := time.Date(2026, 11, 27, 7, 0, 0, 5e8, time.UTC)
	for _, tc := range []struct {
		answer protocol.Response
		want   Record
	}{
		{protocol.Response{InstanceID: "e", Invocation: 3, LogStream: "ls", BootID: "b", InitAt: "2026-11-27T08:00:00.5+01:00"},
			Record{InstanceID: "e", Invocation: 3, LogStream: "ls", BootID: "b", InitAt: at}},
		{protocol.Response{InstanceID: "e", InitAt: "not a time"}, Record{InstanceID: "e"}},
		{protocol.Response{InstanceID: "e", InitType: "provisioned-concurrency"}, Record{InstanceID: "e", InitType: InitProvisioned}},
		{protocol.Response{InstanceID: "e", InitType: "warm-from-a-friend"}, Record{InstanceID: "e"}}, // only documented types
		{protocol.Response{InstanceID: "e", InFlight: 1}, Record{InstanceID: "e"}},                    // one at a time: nothing to keep
		{protocol.Response{InstanceID: "e", InFlight: 3}, Record{InstanceID: "e", InFlight: 3}},
		{protocol.Response{InstanceID: "e", InFlight: 1, MaxConcurrency: 64}, Record{InstanceID: "e", InFlight: 1, MaxConcurrency: 64}},
		{protocol.Response{InstanceID: "e", InFlight: maxAtOnce + 1, MaxConcurrency: -2}, Record{InstanceID: "e"}},
		{protocol.Response{InstanceID: "e", InFlight: -5, MaxConcurrency: maxAtOnce}, Record{InstanceID: "e", MaxConcurrency: maxAtOnce}},
		{protocol.Response{InstanceID: "e", TenantID: "blue", RequestID: "r", Region: "eu-west-1"}, Record{InstanceID: "e"}},
		{protocol.Response{InstanceID: "e", RSSMB: 81.25, MemoryMB: 512, LeakedKB: 300}, Record{InstanceID: "e", MemoryUsedMB: 81.25, MemorySizeMB: 512}},
		{protocol.Response{InstanceID: "e", RSSMB: -3, MemoryMB: MaxMemoryMB + 1}, Record{InstanceID: "e"}},
		{protocol.Response{InstanceID: "e", RSSMB: MaxMemoryMB, MemoryMB: -1}, Record{InstanceID: "e", MemoryUsedMB: MaxMemoryMB}},
	} {
		var got Record
		got.SetAnswer(&tc.answer)
		assert.Check(t, is.DeepEqual(got, tc.want), "%+v", tc.answer)
	}
	// What the call brought is left as it was; what the answer says is
	// the answer's, even over an earlier value.
	got := Record{Seq: 7, Tenant: "blue", Status: StatusOK, InitAt: at, InFlight: 9}
	got.SetAnswer(&protocol.Response{InstanceID: "e"})
	assert.Check(t, is.DeepEqual(got, Record{Seq: 7, Tenant: "blue", Status: StatusOK, InstanceID: "e"}))
}

// TestMatchAnswerRefusesWhatCannotGoAcross: a field declared in both
// under one JSON name with types that do not go across is an error naming
// both, found when the package loads, never a field silently left empty.
func TestMatchAnswerRefusesWhatCannotGoAcross(t *testing.T) {
	type answer struct {
		A string  `json:"a"`
		B []int   `json:"b"`
		C int     `json:"c"`
		D float64 `json:"-"`
	}
	for _, tc := range []struct {
		rec  any
		want string
	}{
		{struct {
			A int `json:"a"`
		}{}, `A (int) and record.answer.A (string) share the JSON name "a"`},
		{struct {
			B []int `json:"b"`
		}{}, `B ([]int) shares the JSON name "b"`},
		{struct {
			C string `json:"c,omitempty"`
		}{}, `C (string) and record.answer.C (int)`},
	} {
		_, err := matchAnswer(reflect.TypeFor[answer](), reflect.TypeOf(tc.rec))
		assert.Check(t, is.ErrorContains(err, tc.want))
	}
	fields, err := matchAnswer(reflect.TypeFor[answer](), reflect.TypeFor[struct {
		C int8      `json:"c"`
		A string    `json:"a,omitempty"`
		D float64   `json:"d"` // the answer's D is not in its JSON
		T time.Time `json:"t"`
	}]())
	assert.NilError(t, err)
	assert.Check(t, slices.Equal(fields, []answerField{{from: 2, to: 0, conv: convInt}, {from: 0, to: 1, conv: convString}}), fmt.Sprint(fields))
}
