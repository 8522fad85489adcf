package totp

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	_ "image/png" // register the decoder for image.Decode
	"strings"
	"testing"
)

var testURI = URI("ortlos (Stadt Musterstadt)", "max.mustermann@musterstadt.de", rfcSecret)

func TestQRCodePNG(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"default", DefaultQRSize, false},
		{"large", 1000, false},
		{"odd", 333, false},
		{"too small for the modules", 40, true},
		{"zero", 0, true},
		{"negative", -10, true},
		{"too large", maxQRSize + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := QRCodePNG(testURI, tt.size)
			if tt.wantErr {
				if err == nil {
					t.Errorf("QRCodePNG(size %d) = %d bytes, want an error", tt.size, len(b))
				}
				return
			}
			if err != nil {
				t.Fatalf("QRCodePNG(size %d): %v", tt.size, err)
			}
			checkQR(t, b, tt.size)
		})
	}
}

func TestQRCodePNGTooLong(t *testing.T) {
	t.Parallel()
	// A version 40 code at level M holds at most 2331 bytes.
	if b, err := QRCodePNG(strings.Repeat("x", 4000), DefaultQRSize); err == nil {
		t.Errorf("QRCodePNG(4000 bytes) = %d bytes, want an error", len(b))
	}
}

func TestQRCodeDataURI(t *testing.T) {
	t.Parallel()
	got, err := QRCodeDataURI(testURI)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "data:image/png;base64,"
	data, ok := strings.CutPrefix(got, prefix)
	if !ok {
		t.Fatalf("QRCodeDataURI = %.40q…, want prefix %q", got, prefix)
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatalf("QRCodeDataURI payload is not base64: %v", err)
	}
	checkQR(t, b, DefaultQRSize)
}

// checkQR decodes b and checks the size, the white quiet zone and that the
// image shows a code at all.
func checkQR(t *testing.T, b []byte, size int) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("image.Decode of %d bytes: %v", len(b), err)
	}
	if format != "png" {
		t.Errorf("format %q, want png", format)
	}
	if got := img.Bounds(); got != image.Rect(0, 0, size, size) {
		t.Fatalf("bounds %v, want %dx%d", got, size, size)
	}
	isDark := func(x, y int) bool {
		return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 0x80
	}
	dark := 0
	for y := range size {
		for x := range size {
			if isDark(x, y) {
				dark++
			}
		}
	}
	// A QR code is roughly half dark modules; anything near 0 or 100 %
	// is not a code.
	if ratio := float64(dark) / float64(size*size); ratio < 0.1 || ratio > 0.6 {
		t.Errorf("%.0f %% of the pixels are dark, want a QR code", ratio*100)
	}
	// Measure the code: the top-left finder pattern starts with a run of
	// seven dark modules, which gives the module size in pixels.
	minX, minY, maxX, maxY := size, size, -1, -1
	for y := range size {
		for x := range size {
			if isDark(x, y) {
				minX, minY = min(minX, x), min(minY, y)
				maxX, maxY = max(maxX, x), max(maxY, y)
			}
		}
	}
	run := 0
	for x := minX; x < size && isDark(x, minY); x++ {
		run++
	}
	if run == 0 || run%7 != 0 {
		t.Fatalf("finder pattern run of %d pixels, want a multiple of 7", run)
	}
	scale := run / 7
	width, height := maxX-minX+1, maxY-minY+1
	modules := width / scale
	if width != height || width%scale != 0 || (modules-17)%4 != 0 {
		t.Errorf("code is %dx%d pixels at %d pixels per module, want a square QR version", width, height, scale)
	}
	for _, margin := range []int{minX, minY, size - 1 - maxX, size - 1 - maxY} {
		if margin < quietZone*scale {
			t.Errorf("margin of %d pixels, want a quiet zone of at least %d modules (%d pixels)", margin, quietZone, quietZone*scale)
		}
	}
}
