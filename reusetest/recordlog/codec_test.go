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
	"unsafe"

	"github.com/lambda-reuse/lambda-reuse/internal/jsonfield"
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
	checkEveryField(t, codecOf[record.Record]{
		encode: appendRecord,
		decode: func(d *decoder, line []byte, r *record.Record) bool { return d.parse(line, r) },
	})
}

// kinds has a field of each kind the codec knows, written always, omitted
// when empty and omitted when zero: the kinds a Record field may take
// next, checked as TestCodecRoundTripsEveryField checks Record's.
type kinds struct {
	F32      float32    `json:"f32,omitempty"` // first and optional: the line may open with any field
	Text     string     `json:"text"`
	Named    namedText  `json:"named,omitempty"`
	Flag     bool       `json:"flag"`
	FlagOpt  bool       `json:"flag_opt,omitempty"`
	I        int        `json:"i,omitzero"`
	I8       int8       `json:"i8"`
	I16      int16      `json:"i16,omitempty"`
	I32      int32      `json:"i32"`
	I64      int64      `json:"i64,omitempty"`
	U        uint       `json:"u"`
	U8       uint8      `json:"u8,omitempty"`
	U16      uint16     `json:"u16"`
	U32      uint32     `json:"u32,omitzero"`
	U64      uint64     `json:"u64"`
	F64      float64    `json:"f64"`
	F64Empty float64    `json:"f64_empty,omitempty"`
	F64Zero  float64    `json:"f64_zero,omitzero"`
	At       time.Time  `json:"at"`
	AtEmpty  time.Time  `json:"at_empty,omitempty"` // a struct is never empty: always written
	AtZero   time.Time  `json:"at_zero,omitzero"`
	NoTag    string     // its Go name is its key
	Dropped  string     `json:"-"`
	_        string     // unexported: encoding/json skips it, and so must the codec
	Last     namedCount `json:"last,omitempty"`
}

type (
	namedText  string
	namedCount int64
)

// TestCodecRoundTripsEveryKind: every kind the codec knows, with and
// without omitempty and omitzero, round-trips as encoding/json has it.
func TestCodecRoundTripsEveryKind(t *testing.T) {
	c := newCodec(reflect.TypeFor[kinds]())
	if c.slow != "" {
		t.Fatalf("the codec falls back on a type of kinds it should know: %s", c.slow)
	}
	checkEveryField(t, codecOf[kinds]{
		encode: func(b []byte, v *kinds) ([]byte, error) { return c.append(b, unsafe.Pointer(v)) },
		decode: func(d *decoder, line []byte, v *kinds) bool {
			*v = kinds{}
			return d.decode(c, line, unsafe.Pointer(v))
		},
	})
}

// TestRecordCodecIsFast: the codec knows every field of record.Record; a
// field it did not know would leave every line of every log to
// encoding/json, several times slower.
func TestRecordCodecIsFast(t *testing.T) {
	if recordCodec.slow != "" {
		t.Fatalf("record.Record %s: the record log writes and reads every line with encoding/json: give the field a type the codec knows, or teach codec.go its kind", recordCodec.slow)
	}
}

// marshals is a type with its own JSON.
type marshals int

func (marshals) MarshalJSON() ([]byte, error) { return []byte(`"mine"`), nil }

// TestCodecFallsBack: a field the codec cannot follow exactly makes it
// leave every line to encoding/json, named; the lines are still
// encoding/json's, and the fast decoder takes none.
func TestCodecFallsBack(t *testing.T) {
	type (
		slice struct {
			A string `json:"a"`
			B []int  `json:"b"`
		}
		embedded struct {
			slice
			C string `json:"c"`
		}
		own struct {
			A string   `json:"a"`
			M marshals `json:"m"`
		}
		quoted struct {
			N int `json:"n,string"`
		}
		number struct {
			N json.Number `json:"n"`
		}
		oddKey struct {
			A string `json:"a&b"`
		}
	)
	for _, tc := range []struct {
		v     any
		field string
	}{
		{&slice{A: "x", B: []int{1}}, "B"},
		{&embedded{C: "y"}, "slice"},
		{&own{A: "x", M: 3}, "M"},
		{&quoted{N: 7}, "N"},
		{&number{N: "12.5"}, "N"},
		{&oddKey{A: "x"}, "A"},
	} {
		typ := reflect.TypeOf(tc.v).Elem()
		c := newCodec(typ)
		if name := "field " + tc.field; !strings.HasPrefix(c.slow, name+" ") && !strings.HasPrefix(c.slow, name+":") {
			t.Errorf("%v: the codec's reason %q does not name field %s", typ, c.slow, tc.field)
			continue
		}
		p := reflect.ValueOf(tc.v).UnsafePointer()
		got, err := c.append([]byte("kept:"), p)
		assertNoError(t, err)
		want, err := json.Marshal(tc.v)
		assertNoError(t, err)
		if string(got) != "kept:"+string(want)+"\n" {
			t.Errorf("%v: the fallback writes %q, encoding/json %q", typ, got, want)
		}
		if newDecoder().decode(c, want, reflect.New(typ).UnsafePointer()) {
			t.Errorf("%v: the fast decoder took a line of a type it cannot follow: %s", typ, want)
		}
	}
}

// codecOf is a fast codec of T under test.
type codecOf[T any] struct {
	encode func([]byte, *T) ([]byte, error)
	decode func(*decoder, []byte, *T) bool
}

// checkEveryField holds c to encoding/json on every field of T: each
// alone with each edge value, then whole values over many seeds.
func checkEveryField[T any](t *testing.T, c codecOf[T]) {
	fields := loggedFields(reflect.TypeFor[T]())
	if len(fields) == 0 {
		t.Fatalf("no logged field found in %v", reflect.TypeFor[T]())
	}
	for _, f := range fields {
		for i, v := range edgeValues(f.Type) {
			var x T
			reflect.ValueOf(&x).Elem().FieldByIndex(f.Index).Set(v)
			c.check(t, fmt.Sprintf("%s alone, edge value %d (%v)", fieldName(f), i, v), &x)
		}
		var x T
		reflect.ValueOf(&x).Elem().FieldByIndex(f.Index).Set(plainValue(f.Type, rand.New(rand.NewPCG(1, 2))))
		c.checkFastRead(t, fieldName(f)+" alone", &x)
	}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		var x, plain T
		for _, f := range fields {
			if rng.IntN(4) > 0 { // leave some fields zero: omitted fields vary
				reflect.ValueOf(&x).Elem().FieldByIndex(f.Index).Set(randomValue(f.Type, rng))
			}
			reflect.ValueOf(&plain).Elem().FieldByIndex(f.Index).Set(plainValue(f.Type, rng))
		}
		c.check(t, fmt.Sprintf("seed %d", seed), &x)
		c.check(t, fmt.Sprintf("seed %d, plain", seed), &plain)
		c.checkFastRead(t, fmt.Sprintf("seed %d, plain", seed), &plain)
	}
}

// loggedFields are the fields of struct type typ that encoding/json
// writes (exported, not tagged "-").
func loggedFields(typ reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for _, f := range reflect.VisibleFields(typ) {
		if _, ok := jsonfield.Of(f); ok && !f.Anonymous {
			out = append(out, f)
		}
	}
	return out
}

// fieldName is a field as a failure names it: its Go name and JSON key.
func fieldName(f reflect.StructField) string {
	jf, _ := jsonfield.Of(f)
	return fmt.Sprintf("%s (%q)", f.Name, jf.Key)
}

// differingFields names the logged fields in which a and b differ, with
// both values.
func differingFields[T any](a, b *T, aName, bName string) []string {
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

// check holds the codec to encoding/json on v: the line written is
// encoding/json's (or both refuse v), and the fast decoder, when it takes
// the line, reads what encoding/json reads.
func (c codecOf[T]) check(t *testing.T, what string, v *T) {
	t.Helper()
	var sb strings.Builder
	werr := json.NewEncoder(&sb).Encode(v)
	want := sb.String()
	got, gerr := c.encode(nil, v)
	if (werr != nil) != (gerr != nil) {
		t.Errorf("%s: encoding/json's error %v, the codec's %v", what, werr, gerr)
		return
	}
	if werr != nil {
		return // JSON cannot hold it, and both say so
	}
	if string(got) != want {
		var fromGot, fromWant T
		if err := json.Unmarshal(got, &fromGot); err != nil {
			t.Errorf("%s: the codec wrote a line encoding/json cannot read (%v):\n%s", what, err, got)
			return
		}
		assertNoError(t, json.Unmarshal([]byte(want), &fromWant))
		diffs := differingFields(&fromGot, &fromWant, "the codec writes", "encoding/json writes")
		t.Errorf("%s: the codec's line is not encoding/json's: %s\nthe codec:     %sencoding/json: %s", what, strings.Join(diffs, "; "), got, want)
		return
	}
	var viaJSON, fast T
	assertNoError(t, json.Unmarshal([]byte(want), &viaJSON))
	if c.decode(newDecoder(), []byte(want), &fast) {
		if diffs := differingFields(&fast, &viaJSON, "the fast decoder reads", "encoding/json reads"); len(diffs) > 0 {
			t.Errorf("%s: %s\nline: %s", what, strings.Join(diffs, "; "), want)
		}
	}
}

// checkFastRead: the fast decoder takes the line written for v, whose
// times are UTC and strings plain, without falling back to encoding/json,
// and reads v back.
func (c codecOf[T]) checkFastRead(t *testing.T, what string, v *T) {
	t.Helper()
	line, err := c.encode(nil, v)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	var got T
	if !c.decode(newDecoder(), line, &got) {
		t.Errorf("%s: the fast decoder declines the writer's own line (Read falls back to encoding/json, several times slower): %s", what, line)
		return
	}
	if diffs := differingFields(&got, v, "the fast decoder reads", "was written"); len(diffs) > 0 {
		t.Errorf("%s: %s\nline: %s", what, strings.Join(diffs, "; "), line)
	}
}

func assertNoError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

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
