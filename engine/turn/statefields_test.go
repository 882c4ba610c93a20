package turn

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestStateRoundTripsEveryField sets each field of State, and of the
// structs it holds, to a value that is not its zero value, one at a time,
// and checks that Marshal and Unmarshal bring it back. A field added to
// State without teaching the codec about it fails here by name, rather
// than being dropped from every stored conversation.
func TestStateRoundTripsEveryField(t *testing.T) {
	base := State{ID: "c1", Bot: "b", Version: "v", Owner: OwnerBot, Vars: map[string]any{},
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	var visit func(path string, v reflect.Value)
	visit = func(path string, v reflect.Value) {
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			name := path + f.Name
			fv := v.Field(i)
			if fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct {
				if fv.IsNil() {
					fv.Set(reflect.New(fv.Type().Elem()))
				}
				visit(name+".", fv.Elem())
				continue
			}
			old := reflect.New(fv.Type()).Elem()
			old.Set(fv)
			fv.Set(sample(t, name, fv.Type()))
			roundTrip(t, name, base)
			fv.Set(old)
		}
	}
	visit("", reflect.ValueOf(&base).Elem())
}

// roundTrip round-trips st and reports a difference as a lost field.
func roundTrip(t *testing.T, field string, st State) {
	t.Helper()
	// A position is a dialog and a step, never one without the other.
	if st.Dialog == "" && st.Step != "" {
		st.Dialog = "d"
	}
	if st.Dialog != "" && st.Step == "" {
		st.Step = "k"
	}
	data, err := Marshal(st)
	if err != nil {
		t.Fatalf("%s: Marshal: %v", field, err)
	}
	got, err := Unmarshal(data)
	if err != nil {
		t.Fatalf("%s: Unmarshal(%s): %v", field, data, err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("%s is not round-tripped by the state codec:\n got %#v\nwant %#v\njson %s", field, got, st, data)
	}
}

// sample returns a value of type typ that is not its zero value and that
// the engine could store (numbers as int or float64, as Unmarshal gives them).
func sample(t *testing.T, field string, typ reflect.Type) reflect.Value {
	switch typ {
	case reflect.TypeFor[time.Time]():
		return reflect.ValueOf(time.Date(2030, 5, 6, 7, 8, 9, 10, time.UTC))
	case reflect.TypeFor[map[string]any]():
		return reflect.ValueOf(map[string]any{"k": "v", "n": 2, "f": 1.5, "l": []any{true, nil}})
	case reflect.TypeFor[map[string]string]():
		return reflect.ValueOf(map[string]string{"K": "v"})
	case reflect.TypeFor[[]Scheduled]():
		return reflect.ValueOf([]Scheduled{{ID: "s1", Due: time.Date(2030, 5, 6, 7, 8, 9, 10, time.UTC), Dialog: "d"}})
	case reflect.TypeFor[any]():
		v := reflect.New(typ).Elem()
		v.Set(reflect.ValueOf(map[string]any{"x": 1}))
		return v
	}
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.String:
		v.SetString("s-" + strings.ToLower(field))
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if typ.Elem().Kind() != reflect.String {
			t.Fatalf("%s: no sample for %s; teach sample about it", field, typ)
		}
		v.Set(reflect.ValueOf([]string{"a", "b"}).Convert(typ))
	default:
		t.Fatalf("%s: no sample for %s; teach sample about it", field, typ)
	}
	return v
}
