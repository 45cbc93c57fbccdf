package api

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/cmp-platform/cmp/internal/errs"
)

// Training document types, by file extension.
var documentTypes = map[string]string{
	".txt": "text/plain", ".text": "text/plain",
	".md": "text/markdown", ".markdown": "text/markdown",
	".html": "text/html", ".htm": "text/html",
}

// documentType decides a document's type from its extension and its bytes:
// both must say text, so a renamed binary is refused.
func documentType(name string, content []byte) (string, error) {
	ct, ok := documentTypes[strings.ToLower(filepath.Ext(name))]
	if !ok {
		return "", errs.New(errs.UnsupportedType, "only .txt, .md and .html documents can be used for training").WithDetails(map[string]any{"field": "file"})
	}
	sniffed := http.DetectContentType(content)
	if !strings.HasPrefix(sniffed, "text/") || bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content) {
		return "", errs.New(errs.UnsupportedType, "%s does not contain UTF-8 text (it looks like %s)", name, strings.Split(sniffed, ";")[0]).WithDetails(map[string]any{"field": "file"})
	}
	return ct, nil
}

// extractText reduces a document to the plain text the agent answers from.
func extractText(contentType string, content []byte) string {
	text := string(content)
	if contentType == "text/html" {
		text = htmlToText(content)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.TrimSpace(text)
}

// blockTags end a paragraph, so retrieval (which splits on blank lines) sees them apart.
var blockTags = map[string]bool{"p": true, "div": true, "section": true, "article": true, "li": true, "tr": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true, "table": true, "ul": true, "ol": true}

// htmlToText keeps the visible text of an HTML page: no scripts, styles or
// markup, entities decoded, block elements as paragraphs.
func htmlToText(content []byte) string {
	z := html.NewTokenizer(bytes.NewReader(content))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapseBlankLines(b.String())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch tag := string(name); {
			case tag == "script" || tag == "style" || tag == "noscript" || tag == "template" || tag == "head":
				skip++
			case tag == "br":
				b.WriteString("\n")
			case blockTags[tag]:
				b.WriteString("\n\n")
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch tag := string(name); {
			case tag == "script" || tag == "style" || tag == "noscript" || tag == "template" || tag == "head":
				if skip > 0 {
					skip--
				}
			case blockTags[tag]:
				b.WriteString("\n\n")
			}
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				b.WriteString(" ")
			}
		}
	}
}

func collapseBlankLines(s string) string {
	var out []string
	for _, para := range strings.Split(s, "\n\n") {
		var lines []string
		for _, l := range strings.Split(para, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			out = append(out, strings.Join(lines, "\n"))
		}
	}
	return strings.Join(out, "\n\n")
}
