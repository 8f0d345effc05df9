// Package jsonfield reads a struct field's JSON key and options from its
// tag as encoding/json does, for the code that follows encoding/json
// without calling it field by field (the record log's codec, the probe's
// answer in a record, the numbers an older summary lacks).
package jsonfield

import (
	"reflect"
	"strings"
)

// Field is a struct field as encoding/json sees it.
type Field struct {
	// Key is its JSON key: the tag's name, or the Go name.
	Key string
	// OmitEmpty and OmitZero are the tag's omitempty and omitzero:
	// the field is left out when empty (false, 0, "", nil or empty) or
	// zero.
	OmitEmpty, OmitZero bool
	// Quoted is the tag's string option: a number or bool written as a
	// JSON string.
	Quoted bool
}

// Omitted reports a field left out of the JSON when its value is empty or
// zero, so that its absence means that value.
func (f Field) Omitted() bool { return f.OmitEmpty || f.OmitZero }

// Of is sf as encoding/json sees it, and false for a field it neither
// writes nor reads: unexported (an embedded struct aside), or tagged "-".
func Of(sf reflect.StructField) (Field, bool) {
	tag := sf.Tag.Get("json")
	if tag == "-" || !sf.IsExported() && !(sf.Anonymous && sf.Type.Kind() == reflect.Struct) {
		return Field{}, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	f := Field{Key: name}
	if f.Key == "" {
		f.Key = sf.Name
	}
	for opt := range strings.SplitSeq(opts, ",") {
		switch opt {
		case "omitempty":
			f.OmitEmpty = true
		case "omitzero":
			f.OmitZero = true
		case "string":
			f.Quoted = true
		}
	}
	return f, true
}

// ByKey is the field of struct type t with JSON key key (an exact match
// first, then one in any case, as encoding/json reads keys), by index.
func ByKey(t reflect.Type, key string) ([]int, bool) {
	var fold []int
	for _, sf := range reflect.VisibleFields(t) {
		f, ok := Of(sf)
		if !ok || sf.Anonymous && sf.Tag.Get("json") == "" {
			continue // an embedded struct's fields are promoted
		}
		if f.Key == key {
			return sf.Index, true
		}
		if fold == nil && strings.EqualFold(f.Key, key) {
			fold = sf.Index
		}
	}
	return fold, fold != nil
}
