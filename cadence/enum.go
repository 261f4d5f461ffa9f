package cadence

import "fmt"

// enumName, enumMarshal and enumUnmarshal give the small enumerations of
// this package their String and text forms from one table of names.

func enumName(names []string, typ string, v int) string {
	if v < 0 || v >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, v)
	}
	return names[v]
}

func enumMarshal(names []string, typ string, v int) ([]byte, error) {
	if v < 0 || v >= len(names) {
		return nil, fmt.Errorf("cadence: invalid %s %d", typ, v)
	}
	return []byte(names[v]), nil
}

func enumUnmarshal(names []string, typ string, b []byte, v *uint8) error {
	for i, n := range names {
		if n == string(b) {
			*v = uint8(i)
			return nil
		}
	}
	return fmt.Errorf("cadence: unknown %s %q", typ, b)
}
