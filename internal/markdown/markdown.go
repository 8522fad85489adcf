// Package markdown renders user-written Markdown (project and task
// descriptions, comments) to HTML that is safe to embed in a page: raw
// HTML in the input is escaped, links with dangerous schemes
// (javascript:, vbscript:, file:, data: except images) are dropped by
// goldmark, links open with rel="noopener noreferrer nofollow", and the
// input is bounded.
package markdown

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	gutil "github.com/yuin/goldmark/util"
)

// MaxInput is the longest input rendered; longer input is cut.
const MaxInput = 100_000

var md = goldmark.New(
	// GFM without its raw-HTML pass-through: tables, strikethrough,
	// autolinks and task lists.
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify, extension.TaskList),
	goldmark.WithParserOptions(parser.WithASTTransformers(gutil.Prioritized(relLinks{}, 100))),
)

// HTML renders src. It never returns raw HTML from the input.
func HTML(src string) template.HTML {
	if len(src) > MaxInput {
		src = src[:MaxInput]
	}
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(b.String())
}

// relLinks is an AST transformer that marks every link rel="noopener
// noreferrer nofollow".
type relLinks struct{}

func (relLinks) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.(type) {
		case *ast.Link, *ast.AutoLink:
			n.SetAttributeString("rel", []byte("noopener noreferrer nofollow"))
		}
		return ast.WalkContinue, nil
	})
}
