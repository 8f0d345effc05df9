package record

import (
	"fmt"
	"reflect"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/jsonfield"
	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
)

// maxAtOnce bounds the calls at once an answer may claim for its
// environment (in flight, max concurrency); a larger claim is not kept.
const maxAtOnce = 1 << 20

// SetAnswer fills r from the probe's answer a, its status and failure
// aside: each Record field whose JSON name is also a field of a's
// (protocol.Response) takes that field's value, so a field of the answer
// reaches the record by being declared in both under one name, and the
// record log, the summary and the report then have it. A Record field
// whose name in the answer differs (the probe's rss_mb is the record's
// memory_used_mb) names the answer's field in an answer tag. A time the answer
// gives as text (RFC 3339) is kept in UTC, or left zero when it is not
// one; an integer too large for its field is left zero. Then the answer
// is kept only as far as a record may hold it: an init type only when
// documented (ParseInitType), the calls in flight and the max concurrency
// only when the environment serves more than one call at once, and each
// only up to maxAtOnce; memory only from 0 to MaxMemoryMB.
func (r *Record) SetAnswer(a *protocol.Response) {
	from, to := reflect.ValueOf(a).Elem(), reflect.ValueOf(r).Elem()
	for _, f := range answerFields {
		src, dst := from.Field(f.from), to.Field(f.to)
		switch f.conv {
		case convTime:
			at := dst.Addr().Interface().(*time.Time)
			if t, err := time.Parse(time.RFC3339Nano, src.String()); err == nil {
				*at = t.UTC()
			} else {
				*at = time.Time{}
			}
		case convString:
			dst.SetString(src.String())
		case convInt:
			dst.SetInt(0)
			if n := src.Int(); !dst.OverflowInt(n) {
				dst.SetInt(n)
			}
		case convUint:
			dst.SetUint(0)
			if n := src.Uint(); !dst.OverflowUint(n) {
				dst.SetUint(n)
			}
		case convFloat:
			dst.SetFloat(src.Float())
		case convBool:
			dst.SetBool(src.Bool())
		}
	}
	r.InitType = ParseInitType(string(r.InitType))
	if r.MaxConcurrency <= 0 && r.InFlight <= 1 {
		r.InFlight, r.MaxConcurrency = 0, 0 // one call at a time: nothing to keep
	}
	if r.InFlight < 0 || r.InFlight > maxAtOnce {
		r.InFlight = 0
	}
	if r.MaxConcurrency < 0 || r.MaxConcurrency > maxAtOnce {
		r.MaxConcurrency = 0
	}
	if !(r.MemoryUsedMB >= 0 && r.MemoryUsedMB <= MaxMemoryMB) {
		r.MemoryUsedMB = 0
	}
	if r.MemorySizeMB < 0 || r.MemorySizeMB > MaxMemoryMB {
		r.MemorySizeMB = 0
	}
}

// answerField is a Record field the answer fills: the field indexes in
// protocol.Response and in Record, and how the value goes across.
type answerField struct {
	from, to int
	conv     answerConv
}

type answerConv uint8

const (
	convString answerConv = iota // any string type to any string type
	convInt                      // signed integers
	convUint                     // unsigned integers
	convFloat                    // floats
	convBool                     // bools
	convTime                     // RFC 3339 text to time.Time
)

// answerFields are Record's fields the answer fills, matched once by JSON
// name.
var answerFields = func() []answerField {
	fields, err := matchAnswer(reflect.TypeFor[protocol.Response](), reflect.TypeFor[Record]())
	if err != nil {
		panic(err) // a field declared in both with types that do not go across: fix the declaration
	}
	return fields
}()

// matchAnswer pairs the fields of struct types from and to that share a
// JSON name, and says how each value goes across; a pair of types with no
// way across is an error naming both fields.
func matchAnswer(from, to reflect.Type) ([]answerField, error) {
	byName := map[string]int{}
	for i := range from.NumField() {
		if name, ok := jsonName(from.Field(i)); ok {
			byName[name] = i
		}
	}
	var out []answerField
	for j := range to.NumField() {
		name, ok := answerName(to.Field(j))
		i, shared := byName[name]
		if !ok || !shared {
			continue
		}
		src, dst := from.Field(i).Type, to.Field(j).Type
		f := answerField{from: i, to: j}
		conv, ok := convOf(src.Kind())
		switch {
		case dst == reflect.TypeFor[time.Time]() && src.Kind() == reflect.String:
			f.conv = convTime
		case !ok:
			return nil, fmt.Errorf("record: %s.%s (%s) shares the JSON name %q with %s.%s (%s): a kind SetAnswer does not copy", to, to.Field(j).Name, dst, name, from, from.Field(i).Name, src)
		default:
			if back, ok := convOf(dst.Kind()); !ok || back != conv {
				return nil, fmt.Errorf("record: %s.%s (%s) and %s.%s (%s) share the JSON name %q but no way across", to, to.Field(j).Name, dst, from, from.Field(i).Name, src, name)
			}
			f.conv = conv
		}
		out = append(out, f)
	}
	return out, nil
}

// convOf is how a value of kind k goes across to a field of the same
// class of kinds (any string, signed or unsigned integer, float, bool),
// and false for another kind.
func convOf(k reflect.Kind) (answerConv, bool) {
	switch {
	case k == reflect.String:
		return convString, true
	case k >= reflect.Int && k <= reflect.Int64:
		return convInt, true
	case k >= reflect.Uint && k <= reflect.Uint64:
		return convUint, true
	case k == reflect.Float32 || k == reflect.Float64:
		return convFloat, true
	case k == reflect.Bool:
		return convBool, true
	}
	return 0, false
}

// answerName is the JSON name of the answer's field that a Record field
// takes: its answer tag, else its own JSON name; false for a field JSON
// skips.
func answerName(sf reflect.StructField) (string, bool) {
	name, ok := jsonName(sf)
	if tag := sf.Tag.Get("answer"); tag != "" && ok {
		return tag, true
	}
	return name, ok
}

// jsonName is a field's JSON name, and false for a field JSON skips.
func jsonName(sf reflect.StructField) (string, bool) {
	f, ok := jsonfield.Of(sf)
	return f.Key, ok
}
