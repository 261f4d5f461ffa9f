// Package jsontest checks the module's JSON style: every field of an
// exported result type has a lowerCamelCase json tag (CheckTags), and the
// shape of a command's JSON output is kept in a golden file (Schema,
// Golden).
//
// The style is lowerCamelCase with initialisms as words (imageBase,
// changedBytes, oldRva, asOf): the style of Microsoft Graph and Intune,
// whose device exports the eligibility readers consume, and of the
// Kubernetes API.
package jsontest

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var (
	lowerCamel = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	upperRun   = regexp.MustCompile(`[A-Z]{2}`)
)

// IsLowerCamel reports whether name is lowerCamelCase with initialisms
// written as words: "imageBase" and "oldRva", not "ImageBase", "image_base"
// or "oldRVA".
func IsLowerCamel(name string) bool {
	return lowerCamel.MatchString(name) && !upperRun.MatchString(name)
}

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
)

// TagProblems walks the struct types reachable from roots (through
// pointers, slices, arrays, maps and fields) and returns one line per
// exported field without a json tag name or whose name is not lowerCamel,
// sorted. Types with their own encoding (encoding.TextMarshaler,
// json.Marshaler) are leaves, except the roots themselves (a root such as
// binarydiff.ImageFacts marshals itself through its own fields); embedded
// structs without a tag are walked, their fields promoted.
func TagProblems(roots ...any) []string {
	seen := map[reflect.Type]bool{}
	var out []string
	var walk func(t reflect.Type)
	root := false
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() == "time" {
			return
		}
		if !root && encodesItself(t) {
			return
		}
		seen[t], root = true, false
		for i := range t.NumField() {
			f := t.Field(i)
			tag, ok := f.Tag.Lookup("json")
			name, _, _ := strings.Cut(tag, ",")
			switch {
			case tag == "-":
				continue
			case f.Anonymous && name == "":
				walk(f.Type) // promoted fields, even from an unexported type
				continue
			case !f.IsExported():
				continue
			case !ok || name == "":
				out = append(out, fmt.Sprintf("%s.%s: no json tag name", t, f.Name))
			case !IsLowerCamel(name):
				out = append(out, fmt.Sprintf("%s.%s: json name %q is not lowerCamel", t, f.Name, name))
			}
			walk(f.Type)
		}
	}
	for _, r := range roots {
		root = true
		walk(reflect.TypeOf(r))
	}
	sort.Strings(out)
	return out
}

// encodesItself reports whether t (or *t) has its own JSON or text
// encoding, which its fields' tags do not shape.
func encodesItself(t reflect.Type) bool {
	for _, m := range []reflect.Type{textMarshaler, jsonMarshaler} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// Schema describes the shape of a JSON document, or of a stream of JSON
// values (described as one): one line per path, with the JSON types seen
// there, sorted. Array elements are merged under
// "[]", so the description does not depend on how many there are, and
// object keys are listed whatever their values. Map-like objects (whose
// keys are data, such as counts by rule) are described as "{}" when
// their keys are given in mapPaths.
func Schema(doc []byte, mapPaths ...string) (string, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var values []any
	for {
		var v any
		err := d.Decode(&v)
		if err == io.EOF && len(values) > 0 {
			break
		}
		if err != nil {
			return "", err
		}
		values = append(values, v)
	}
	types := map[string][]string{}
	var walk func(path string, v any)
	add := func(path, typ string) {
		if !slices.Contains(types[path], typ) {
			types[path] = append(types[path], typ)
		}
	}
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if slices.Contains(mapPaths, path) {
				add(path, "map")
				for _, e := range v {
					walk(path+"{}", e)
				}
				return
			}
			add(path, "object")
			for k, e := range v {
				walk(path+"."+k, e)
			}
		case []any:
			add(path, "array")
			for _, e := range v {
				walk(path+"[]", e)
			}
		case string:
			add(path, "string")
		case json.Number:
			add(path, "number")
		case bool:
			add(path, "boolean")
		case nil:
			add(path, "null")
		}
	}
	for _, v := range values {
		walk("", v)
	}
	paths := make([]string, 0, len(types))
	for p := range types {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		t := types[p]
		sort.Strings(t)
		name := p
		if name == "" {
			name = "."
		}
		fmt.Fprintf(&b, "%s\t%s\n", name, strings.Join(t, "|"))
	}
	return b.String(), nil
}

// Golden compares got with the golden file at path, or rewrites the file
// when update is set (the -update flag of the calling test package).
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (if the change is meant, rerun with -update and update the schema doc):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}
