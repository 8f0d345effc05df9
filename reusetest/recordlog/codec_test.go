package recordlog

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// TestCodecRoundTripsEveryField holds the record log's fast codec to
// encoding/json on every field of record.Record, found by reflection (a
// field added to Record is in it without a word here): each field alone
// with each edge value of its type (zero, extremes, unicode, escapes,
// invalid UTF-8, times with nanoseconds and zones, values JSON cannot
// hold), then whole records of generated values over many seeds. The line
// appendRecord writes must be the line encoding/json writes, the fast
// decoder must read a line as encoding/json reads it, and it must take
// the writer's own lines (UTC times, plain strings) without falling back.
// A miss fails naming the field.
func TestCodecRoundTripsEveryField(t *testing.T) {
	fields := loggedFields(reflect.TypeFor[record.Record]())
	if len(fields) == 0 {
		t.Fatal("no logged field found in record.Record")
	}
	for _, f := range fields {
		for i, v := range edgeValues(f.Type) {
			var r record.Record
			reflect.ValueOf(&r).Elem().FieldByIndex(f.Index).Set(v)
			checkCodec(t, fmt.Sprintf("%s alone, edge value %d (%v)", fieldName(f), i, v), &r)
		}
		var r record.Record
		reflect.ValueOf(&r).Elem().FieldByIndex(f.Index).Set(plainValue(f.Type, rand.New(rand.NewPCG(1, 2))))
		checkFastRead(t, fieldName(f)+" alone", &r)
	}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		var r, plain record.Record
		for _, f := range fields {
			if rng.IntN(4) > 0 { // leave some fields zero: omitted fields vary
				reflect.ValueOf(&r).Elem().FieldByIndex(f.Index).Set(randomValue(f.Type, rng))
			}
			reflect.ValueOf(&plain).Elem().FieldByIndex(f.Index).Set(plainValue(f.Type, rng))
		}
		checkCodec(t, fmt.Sprintf("seed %d", seed), &r)
		checkCodec(t, fmt.Sprintf("seed %d, plain", seed), &plain)
		checkFastRead(t, fmt.Sprintf("seed %d, plain", seed), &plain)
	}
}

// loggedFields are the fields of struct type typ that encoding/json
// writes (exported, not tagged "-").
func loggedFields(typ reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for _, f := range reflect.VisibleFields(typ) {
		if f.IsExported() && !f.Anonymous && f.Tag.Get("json") != "-" {
			out = append(out, f)
		}
	}
	return out
}

// fieldName is a field as a failure names it: its Go name and JSON key.
func fieldName(f reflect.StructField) string {
	key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if key == "" {
		key = f.Name
	}
	return fmt.Sprintf("%s (%q)", f.Name, key)
}

// differingFields names the logged fields in which a and b differ, with
// both values.
func differingFields(a, b *record.Record, aName, bName string) []string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	var out []string
	for _, f := range loggedFields(va.Type()) {
		x, y := va.FieldByIndex(f.Index).Interface(), vb.FieldByIndex(f.Index).Interface()
		if !reflect.DeepEqual(x, y) {
			out = append(out, fmt.Sprintf("field %s: %s %#v, %s %#v", fieldName(f), aName, x, bName, y))
		}
	}
	return out
}

// checkCodec holds appendRecord and the decoder to encoding/json on r.
func checkCodec(t *testing.T, what string, r *record.Record) {
	t.Helper()
	want, werr := encodingJSON(t, r)
	got, gerr := appendRecord(nil, r)
	if (werr != nil) != (gerr != nil) {
		t.Errorf("%s: encoding/json's error %v, appendRecord's %v", what, werr, gerr)
		return
	}
	if werr != nil {
		return // JSON cannot hold it, and both say so
	}
	if string(got) != want {
		var fromGot, fromWant record.Record
		if err := json.Unmarshal(got, &fromGot); err != nil {
			t.Errorf("%s: appendRecord wrote a line encoding/json cannot read (%v):\n%s", what, err, got)
			return
		}
		assertNoError(t, json.Unmarshal([]byte(want), &fromWant))
		diffs := differingFields(&fromGot, &fromWant, "appendRecord writes", "encoding/json writes")
		t.Errorf("%s: appendRecord's line is not encoding/json's: %s\nappendRecord:  %sencoding/json: %s", what, strings.Join(diffs, "; "), got, want)
		return
	}
	var viaJSON record.Record
	assertNoError(t, json.Unmarshal([]byte(want), &viaJSON))
	var fast record.Record
	if newDecoder().parse([]byte(want), &fast) {
		if diffs := differingFields(&fast, &viaJSON, "the fast decoder reads", "encoding/json reads"); len(diffs) > 0 {
			t.Errorf("%s: %s\nline: %s", what, strings.Join(diffs, "; "), want)
		}
	}
}

// checkFastRead: the fast decoder takes the writer's line for r, whose
// times are UTC and strings plain, without falling back to encoding/json.
func checkFastRead(t *testing.T, what string, r *record.Record) {
	t.Helper()
	line, err := appendRecord(nil, r)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	var got record.Record
	if !newDecoder().parse(line, &got) {
		t.Errorf("%s: the fast decoder declines the writer's own line (Read falls back to encoding/json, several times slower): %s", what, line)
		return
	}
	if diffs := differingFields(&got, r, "the fast decoder reads", "the record holds"); len(diffs) > 0 {
		t.Errorf("%s: %s\nline: %s", what, strings.Join(diffs, "; "), line)
	}
}

func assertNoError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var timeType = reflect.TypeFor[time.Time]()

// edgeStrings are strings that test a JSON string writer: empty, every
// escape, HTML characters, multi-byte and invalid UTF-8, the line and
// paragraph separators, long.
var edgeStrings = []string{
	"", "a", "0123456789abcdef0123456789abcdef", "2026/11/26/[$LATEST]0123abcd", "HTTP 503 <Service> & \"Unavailable\"",
	"\x00\x01\x1f\x7f", "\b\f\n\r\t\\/", "é€😀", "\u2028\u2029", "\ufffd", "bad \xff\xfe utf-8 \xe2\x82", strings.Repeat("long ", 100),
}

// edgeTimes are times that test a JSON time writer and reader: zero, the
// first and last instants JSON holds, nanoseconds, zones east and west,
// a time with a monotonic reading, and years JSON cannot hold.
var edgeTimes = []time.Time{
	{},
	time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	time.Date(2026, 11, 26, 16, 0, 0, 123456789, time.UTC),
	time.Date(2026, 11, 26, 16, 0, 0, 120000000, time.UTC),
	time.Date(2024, 2, 29, 23, 59, 59, 1, time.UTC),
	time.Date(2026, 11, 26, 16, 0, 0, 5, time.FixedZone("east", 5*3600+30*60)),
	time.Date(2026, 11, 26, 16, 0, 0, 0, time.FixedZone("west", -8*3600)),
	time.Unix(1795700000, 999).In(time.Local),
	time.Now(),
	time.Unix(0, 0).UTC(),
	time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC),
}

// edgeValues are the edge values of a field of type typ, as values of it.
func edgeValues(typ reflect.Type) []reflect.Value {
	var raw []any
	switch {
	case typ == timeType:
		for _, v := range edgeTimes {
			raw = append(raw, v)
		}
	case typ.Kind() == reflect.String:
		for _, v := range edgeStrings {
			raw = append(raw, v)
		}
	case typ.Kind() == reflect.Bool:
		raw = []any{false, true}
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Int64:
		hi := int64(1)<<(typ.Bits()-1) - 1
		raw = []any{int64(0), int64(1), int64(-1), int64(7), hi, -hi - 1, hi / 3, int64(999_999_999_999_999_999) % hi}
	case typ.Kind() >= reflect.Uint && typ.Kind() <= reflect.Uintptr:
		raw = []any{uint64(0), uint64(1), uint64(1)<<typ.Bits() - 1}
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		raw = []any{0.0, math.Copysign(0, -1), 1.0, -2.5, 100.0, 1e-6, 9.99e-7, 1.5e-7, 1e20, 1e21, -2.5e22, 0.1, 1.0 / 3,
			math.MaxFloat32, math.SmallestNonzeroFloat64, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1)}
	default:
		panic(fmt.Sprintf("no edge values for type %v: teach edgeValues and randomValue the new type", typ))
	}
	out := make([]reflect.Value, 0, len(raw))
	for _, v := range raw {
		out = append(out, convert(v, typ))
	}
	return out
}

// convert is v (an int64, a uint64, a float64, or of typ's kind) as a
// value of typ.
func convert(v any, typ reflect.Type) reflect.Value {
	out := reflect.New(typ).Elem()
	switch x := v.(type) {
	case int64:
		out.SetInt(x)
	case uint64:
		out.SetUint(x)
	case float64:
		out.SetFloat(x)
	default:
		out.Set(reflect.ValueOf(v).Convert(typ))
	}
	return out
}

// randomValue is a generated value of typ: an edge value or a random one.
func randomValue(typ reflect.Type, rng *rand.Rand) reflect.Value {
	if rng.IntN(3) == 0 {
		edges := edgeValues(typ)
		for {
			v := edges[rng.IntN(len(edges))]
			if _, err := json.Marshal(v.Interface()); err == nil {
				return v // a value JSON holds, so the record can be written
			}
		}
	}
	switch {
	case typ == timeType:
		at := time.Unix(rng.Int64N(1<<35), rng.Int64N(1e9))
		if rng.IntN(2) == 0 {
			at = at.In(time.FixedZone("", (rng.IntN(49)-24)*1800))
		}
		return reflect.ValueOf(at)
	case typ.Kind() == reflect.String:
		var sb strings.Builder
		for range rng.IntN(40) {
			switch rng.IntN(4) {
			case 0:
				sb.WriteByte(byte(rng.IntN(256))) // any byte, invalid UTF-8 included
			case 1:
				sb.WriteRune(rune(rng.IntN(0x3000)))
			default:
				sb.WriteByte(byte(' ' + rng.IntN(95)))
			}
		}
		return convert(sb.String(), typ)
	case typ.Kind() == reflect.Bool:
		return convert(rng.IntN(2) == 1, typ)
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Int64:
		return convert(int64(rng.Uint64())>>(64-typ.Bits()+rng.IntN(typ.Bits())), typ)
	case typ.Kind() >= reflect.Uint && typ.Kind() <= reflect.Uintptr:
		return convert(rng.Uint64()>>(64-typ.Bits()+rng.IntN(typ.Bits())), typ)
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		return convert(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)), typ)
	}
	panic(fmt.Sprintf("no random values for type %v: teach edgeValues and randomValue the new type", typ))
}

// plainValue is a non-zero value of typ as the writer's own lines hold
// them: UTC times, printable ASCII strings without escapes.
func plainValue(typ reflect.Type, rng *rand.Rand) reflect.Value {
	switch {
	case typ == timeType:
		return reflect.ValueOf(time.Unix(1795700000+rng.Int64N(1e6), rng.Int64N(1e9)).UTC())
	case typ.Kind() == reflect.String:
		const chars = "abcdefghijklmnopqrstuvwxyz0123456789-_/[]$.: "
		b := make([]byte, 1+rng.IntN(40))
		for i := range b {
			b[i] = chars[rng.IntN(len(chars))]
		}
		return convert(string(b), typ)
	case typ.Kind() == reflect.Bool:
		return convert(true, typ)
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Int64:
		return convert(1+rng.Int64N(1<<20), typ)
	case typ.Kind() >= reflect.Uint && typ.Kind() <= reflect.Uintptr:
		return convert(1+rng.Uint64N(1<<20), typ)
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		return convert(float64(1+rng.IntN(1000))/8, typ)
	}
	panic(fmt.Sprintf("no plain values for type %v: teach plainValue the new type", typ))
}
