package totp

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

// DefaultQRSize is the edge length in pixels of the image QRCodeDataURI
// returns.
const DefaultQRSize = 256

// maxQRSize bounds the image so a careless caller cannot allocate
// gigabytes.
const maxQRSize = 4096

// quietZone is the white margin, in modules, that ISO/IEC 18004 requires
// around a QR code; without it phone cameras often fail to find the code.
const quietZone = 4

// QRCodePNG returns uri as a QR code (error correction level M) in a PNG
// image of size×size pixels. Every module is the same whole number of
// pixels and the code is centred with a white margin of at least four
// modules; size must leave room for that and be at most 4096.
func QRCodePNG(uri string, size int) ([]byte, error) {
	if size > maxQRSize {
		return nil, fmt.Errorf("totp: qr code: size %d exceeds %d pixels", size, maxQRSize)
	}
	code, err := qr.Encode(uri, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("totp: qr code: encode: %w", err)
	}
	modules := code.Bounds().Dx()
	scale := size / (modules + 2*quietZone)
	if scale < 1 {
		return nil, fmt.Errorf("totp: qr code: %d pixels are too few for %d modules plus margin", size, modules)
	}

	// A two-colour palette makes the PNG encoder write one bit per pixel.
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	off := (size - modules*scale) / 2
	for my := 0; my < modules; my++ {
		for mx := 0; mx < modules; mx++ {
			if !dark(code.At(code.Bounds().Min.X+mx, code.Bounds().Min.Y+my)) {
				continue
			}
			for y := off + my*scale; y < off+(my+1)*scale; y++ {
				for x := off + mx*scale; x < off+(mx+1)*scale; x++ {
					img.SetColorIndex(x, y, 1)
				}
			}
		}
	}

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("totp: qr code: png: %w", err)
	}
	return buf.Bytes(), nil
}

// QRCodeDataURI returns uri as a DefaultQRSize QR code PNG in a
// "data:image/png;base64,..." URI for an <img src>.
func QRCodeDataURI(uri string) (string, error) {
	b, err := QRCodePNG(uri, DefaultQRSize)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b), nil
}

func dark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 0x80
}
