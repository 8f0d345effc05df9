package recordlog

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/lambda-reuse/lambda-reuse/internal/jsonfield"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// A codec writes and reads the JSON line of one struct type (the record's)
// byte for byte as encoding/json does, without reflection per line: each
// field's key, place and kind are read once, by reflection, from the type,
// so a field added to the type is written and read with nothing else to
// change. A field it cannot follow exactly (a type it does not know, an
// embedded struct, a custom marshaller, the "string" option) makes the
// whole codec slow: every line is then written by encoding/json and read
// by it, which is always right, and TestRecordCodecIsFast names the field.
type codec struct {
	typ    reflect.Type
	fields []codedField
	// lastAlways is the index of the last field written whatever its
	// value (-1 when none): past it, the line may end at any field.
	lastAlways int
	// slow says why the codec leaves lines to encoding/json; "" when it
	// does not.
	slow string
}

// codedField is one field as the line holds it.
type codedField struct {
	key        keyBytes // `,"key":`, as written after another field
	first      keyBytes // `{"key":`, as written first
	offset     uintptr
	kind       codedKind
	bits       int  // an integer's or a float's size
	alwaysHere bool // written whatever its value; else absent when zero (a time when IsZero)
}

// codedKind is how a field's value is written and read.
type codedKind uint8

const (
	kindString codedKind = iota // any string type
	kindInt                     // any signed integer type
	kindUint                    // any unsigned integer type
	kindFloat                   // float32, float64
	kindBool                    // any bool type
	kindTime                    // time.Time
)

// recordCodec is the record's.
var recordCodec = newCodec(reflect.TypeFor[record.Record]())

var (
	timeType        = reflect.TypeFor[time.Time]()
	jsonNumber      = reflect.TypeFor[json.Number]()
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// newCodec reads struct type typ's fields as encoding/json writes them.
func newCodec(typ reflect.Type) *codec {
	c := &codec{typ: typ, lastAlways: -1}
	seen := map[string]bool{}
	for i := range typ.NumField() {
		sf := typ.Field(i)
		if sf.Anonymous {
			c.slow = fmt.Sprintf("field %s is embedded", sf.Name)
			return c
		}
		jf, ok := jsonfield.Of(sf)
		if !ok {
			continue // encoding/json neither writes nor reads it
		}
		key := jf.Key
		f := codedField{key: newKeyBytes(`,"` + key + `":`), first: newKeyBytes(`{"` + key + `":`), offset: sf.Offset}
		if why := f.setKind(sf.Type); why != "" {
			c.slow = fmt.Sprintf("field %s (%s): %s", sf.Name, sf.Type, why)
			return c
		}
		if jf.Quoted {
			c.slow = fmt.Sprintf("field %s: the string option", sf.Name)
			return c
		}
		// Left out when false, 0 or "" (-0 too), or a time when IsZero; a
		// struct is never empty, so omitempty keeps a time.
		f.alwaysHere = !jf.OmitZero && !(jf.OmitEmpty && f.kind != kindTime)
		if !plainKey(key) || seen[key] {
			c.slow = fmt.Sprintf("field %s: key %q is not plain letters, digits and underscores, or is taken twice", sf.Name, key)
			return c
		}
		seen[key] = true
		if f.alwaysHere {
			c.lastAlways = len(c.fields)
		}
		c.fields = append(c.fields, f)
	}
	return c
}

// setKind sets f's kind for type t, or says why the codec cannot follow
// encoding/json on it.
func (f *codedField) setKind(t reflect.Type) string {
	switch t {
	case timeType:
		f.kind = kindTime
		return ""
	case jsonNumber:
		return "encoding/json writes a json.Number unquoted"
	}
	pt := reflect.PointerTo(t) // its methods and its pointer's: encoding/json calls either
	for _, m := range []reflect.Type{jsonMarshaler, jsonUnmarshaler, textMarshaler, textUnmarshaler} {
		if pt.Implements(m) {
			return "its type has its own " + m.Name()
		}
	}
	if _, ok := pt.MethodByName("IsZero"); ok {
		return "its type has an IsZero method (omitzero would call it)"
	}
	switch t.Kind() {
	case reflect.String:
		f.kind = kindString
		return ""
	case reflect.Bool:
		f.kind = kindBool
		return ""
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.kind, f.bits = kindInt, t.Bits()
		return ""
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		f.kind, f.bits = kindUint, t.Bits()
		return ""
	case reflect.Float32, reflect.Float64:
		f.kind, f.bits = kindFloat, t.Bits()
		return ""
	}
	return "a kind the codec does not know (it knows strings, integers, floats, bools and time.Time)"
}

// plainKey reports a key of letters, digits and underscores: written as
// it is, quoted, by encoding/json.
func plainKey(k string) bool {
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return k != ""
}

// keyBytes is a key as written, with its first and last 8 bytes as
// little-endian words (when it has 8): the decoder compares a key of 8 to
// 16 bytes in two loads.
type keyBytes struct {
	s          string
	head, tail uint64
}

func newKeyBytes(s string) keyBytes {
	k := keyBytes{s: s}
	if len(s) >= 8 {
		k.head, k.tail = binary.LittleEndian.Uint64([]byte(s)), binary.LittleEndian.Uint64([]byte(s[len(s)-8:]))
	}
	return k
}

// at reports whether b starts with k.
func (k *keyBytes) at(b []byte) bool {
	n := len(k.s)
	if len(b) < n {
		return false
	}
	if n < 8 || n > 16 {
		return string(b[:n]) == k.s
	}
	return binary.LittleEndian.Uint64(b) == k.head && binary.LittleEndian.Uint64(b[n-8:]) == k.tail
}

// appendTo appends k to b: in two stores when it has 8 to 16 bytes and b
// has room.
func (k *keyBytes) appendTo(b []byte) []byte {
	n, l := len(k.s), len(b)
	if n < 8 || n > 16 || cap(b)-l < n {
		return append(b, k.s...)
	}
	b = b[:l+n]
	binary.LittleEndian.PutUint64(b[l:], k.head)
	binary.LittleEndian.PutUint64(b[l+n-8:], k.tail)
	return b
}

// value is a pointer to f's value in the struct at p.
func (f *codedField) value(p unsafe.Pointer) unsafe.Pointer { return unsafe.Add(p, f.offset) }
