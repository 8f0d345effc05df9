package summary

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/internal/jsonfield"
)

// A summary read from a file written before a number joined the contract
// lacks that number: decoded, it is 0, which is no measurement. The
// summary keeps the paths of such numbers (Absent), and ReadsAbsent tells
// whether a figure reads one, so a comparison with an older summary says
// "no baseline" for a new figure by itself, with nothing written for it.

// findAbsent appends to out the JSON paths (prefix + key, "reuse.p99") of
// the numbers of struct type t that the JSON object b lacks, looking into
// the objects it holds for nested structs. A number written only when not
// zero (omitempty, omitzero) is never absent: its absence means zero.
func findAbsent(t reflect.Type, b []byte, prefix string, out []string) []string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil || obj == nil {
		return out // not an object: nothing of its fields to say
	}
	for _, sf := range reflect.VisibleFields(t) {
		f, ok := jsonfield.Of(sf)
		if !ok || sf.Anonymous && sf.Tag.Get("json") == "" {
			continue // not in the JSON, or an embedded struct whose fields are promoted
		}
		v, present := obj[f.Key]
		if !present {
			for k, w := range obj {
				if strings.EqualFold(k, f.Key) { // as encoding/json reads keys
					v, present = w, true
					break
				}
			}
		}
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case isNumber(sf.Type) && !present && !f.Omitted():
			out = append(out, prefix+f.Key)
		case ft.Kind() == reflect.Struct && present && !ownJSON(ft):
			out = findAbsent(ft, v, prefix+f.Key+".", out)
		}
	}
	return out
}

func isNumber(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// ownJSON reports a type that reads its JSON itself (a time, say): its
// fields are not the JSON's.
func ownJSON(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// absentMark is what an absent number is set to when ReadsAbsent tries a
// figure: far from any count or measurement a summary holds.
const absentMark = 987_654_321

// ReadsAbsent reports whether figure f, computed from s, reads a number
// s's file lacked (Absent): whether f's value moves when those numbers
// do. A summary made from records, or read from a file holding every
// number, lacks none.
func (s Summary) ReadsAbsent(f func(Summary) float64) bool {
	if len(s.Absent) == 0 {
		return false
	}
	a, b := f(s), f(s.withAbsent(absentMark))
	return a != b && !(math.IsNaN(a) && math.IsNaN(b))
}

// withAbsent is a copy of s with each absent number set to v; s, and what
// its pointers and sections hold, are left as they are.
func (s Summary) withAbsent(v float64) Summary {
	c := s
	c.Sections = maps.Clone(s.Sections)
	root := reflect.ValueOf((*summaryFields)(&c)).Elem()
	for _, path := range s.Absent {
		keys := strings.Split(path, ".")
		at := root
		if sec, ok := c.Sections[keys[0]]; ok && len(keys) > 1 {
			// A section's number: the section is copied, then changed.
			cp := reflect.New(reflect.TypeOf(sec).Elem())
			cp.Elem().Set(reflect.ValueOf(sec).Elem())
			c.Sections[keys[0]] = cp.Interface().(Section)
			at, keys = cp.Elem(), keys[1:]
		}
		setAbsent(at, keys, v)
	}
	return c
}

// setAbsent sets the number at keys under struct value at to v, copying
// each struct a pointer on the way leads to first.
func setAbsent(at reflect.Value, keys []string, v float64) {
	for i, key := range keys {
		idx, ok := jsonfield.ByKey(at.Type(), key)
		if !ok {
			return
		}
		field := at.FieldByIndex(idx)
		if i == len(keys)-1 {
			switch {
			case field.CanInt():
				field.SetInt(int64(v))
			case field.CanUint():
				field.SetUint(uint64(v))
			case field.CanFloat():
				field.SetFloat(v)
			}
			return
		}
		if field.Kind() == reflect.Pointer {
			if field.IsNil() {
				return
			}
			cp := reflect.New(field.Type().Elem())
			cp.Elem().Set(field.Elem())
			field.Set(cp)
			field = cp.Elem()
		}
		at = field
	}
}

// withoutPaths is the JSON document b, written compact, without the
// members at paths (JSON paths as Absent holds them, "reuse.p90").
func withoutPaths(b []byte, paths []string) ([]byte, error) {
	drop := make(map[string]bool, len(paths))
	for _, p := range paths {
		drop[p] = true
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out bytes.Buffer
	if err := copyWithout(dec, &out, "", drop); err != nil {
		return nil, fmt.Errorf("summary without absent numbers: %w", err)
	}
	return out.Bytes(), nil
}

// copyWithout copies the next JSON value from dec to out, leaving out the
// object members whose path (under prefix) drop holds.
func copyWithout(dec *json.Decoder, out *bytes.Buffer, prefix string, drop map[string]bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		out.WriteByte('{')
		first := true
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			path := prefix + key
			if drop[path] {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
				continue
			}
			if !first {
				out.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(key)
			out.Write(k)
			out.WriteByte(':')
			if err := copyWithout(dec, out, path+".", drop); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		out.WriteByte('}')
		return err
	case json.Delim('['):
		out.WriteByte('[')
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			// Absent names no number inside a list.
			if err := copyWithout(dec, out, "\x00", drop); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		out.WriteByte(']')
		return err
	default:
		v, err := json.Marshal(tok)
		if err != nil {
			return err
		}
		out.Write(v)
		return nil
	}
}
