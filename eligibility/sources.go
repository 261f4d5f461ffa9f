package eligibility

import (
	"strings"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// firstURL returns the URL of the first source tag in tags (space
// separated) that hotpatch.Sources gives one for.
func firstURL(tags string) string {
	for _, t := range strings.Fields(tags) {
		if s, ok := hotpatch.Sources[t]; ok && s.URL != "" {
			return s.URL
		}
	}
	return ""
}
