package api

import (
	"testing"

	"github.com/cmp-platform/cmp/internal/errs"
)

func TestTrainingDocuments_HTMLIsReducedToItsVisibleTextInParagraphs(t *testing.T) {
	page := []byte(`<!doctype html><html><head><title>T</title><style>p{}</style></head><body>
		<h1>Returns</h1><p>Send it back within <b>30&nbsp;days</b> &amp; get a refund.</p>
		<script>alert("x")</script><ul><li>Free label</li><li>No fee</li></ul></body></html>`)
	got := extractText("text/html", page)
	want := "Returns\n\nSend it back within 30 days & get a refund.\n\nFree label\n\nNo fee"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestTrainingDocuments_TypeNeedsATextExtensionAndTextBytes(t *testing.T) {
	for _, c := range []struct {
		name    string
		content string
		want    string
		code    errs.Code
	}{
		{"notes.md", "# Hi", "text/markdown", ""},
		{"NOTES.TXT", "plain", "text/plain", ""},
		{"page.htm", "<p>x</p>", "text/html", ""},
		{"sheet.csv", "a,b", "", errs.UnsupportedType},
		{"fake.txt", "\x00\x01\x02binary", "", errs.UnsupportedType},
		{"latin1.txt", "caf\xe9", "", errs.UnsupportedType},
	} {
		got, err := documentType(c.name, []byte(c.content))
		if got != c.want || errs.CodeOf(err) != c.code && c.code != "" || (c.code == "" && err != nil) {
			t.Errorf("%s: %q %v, want %q %s", c.name, got, err, c.want, c.code)
		}
	}
}
