package textextract

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"math/big"
)

// Many PDFs from authorities and companies are "protected": encrypted with
// an empty user password and an owner password that restricts printing or
// copying. Any reader opens them, and so does the search: this file
// implements the standard security handler (RC4 40–128 bit, AES-128,
// AES-256; revisions 2–6) for the empty user password. Files that need a
// password to open stay ErrEncrypted.

// passwordPad pads passwords for revisions 2–4 (algorithm 2).
var passwordPad = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08" +
	"\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

// pdfCrypt decrypts the streams of an encrypted document.
type pdfCrypt struct {
	key      []byte
	aes      bool // AES (else RC4) for streams
	rev      int
	identity bool // streams are not encrypted
}

// initCrypt sets up decryption when the trailer names an encryption
// dictionary. Objects read before are dropped from the caches.
func (d *pdfDoc) initCrypt() error {
	if d.crypt != nil || d.trailer["Encrypt"] == nil {
		return nil
	}
	enc, ok := d.resolve(d.trailer["Encrypt"]).(pdfDict)
	if !ok {
		return ErrEncrypted
	}
	if err := d.setupCrypt(enc); err != nil {
		return err
	}
	clear(d.cache)
	clear(d.objStms)
	return nil
}

// setupCrypt prepares decryption with the empty user password; it returns
// ErrEncrypted when that does not open the document or the handler is not
// the standard one.
func (d *pdfDoc) setupCrypt(enc pdfDict) error {
	if f, _ := d.resolve(enc["Filter"]).(pdfName); f != "Standard" {
		return ErrEncrypted
	}
	v, _ := asInt(d.resolve(enc["V"]))
	r, _ := asInt(d.resolve(enc["R"]))
	o, _ := d.resolve(enc["O"]).(pdfString)
	u, _ := d.resolve(enc["U"]).(pdfString)
	p, _ := asInt(d.resolve(enc["P"]))
	length, ok := asInt(d.resolve(enc["Length"]))
	if !ok {
		length = 40
	}
	encryptMeta := true
	if b, ok := d.resolve(enc["EncryptMetadata"]).(bool); ok {
		encryptMeta = b
	}
	var id0 []byte
	if ids, ok := d.resolve(d.trailer["ID"]).(pdfArray); ok && len(ids) > 0 {
		s, _ := d.resolve(ids[0]).(pdfString)
		id0 = []byte(s)
	}
	c := &pdfCrypt{rev: int(r)}
	if v == 4 || v == 5 {
		// Crypt filters: the one for streams.
		stmF, _ := d.resolve(enc["StmF"]).(pdfName)
		switch stmF {
		case "", "Identity":
			c.identity = true
		default:
			cfs, _ := d.resolve(enc["CF"]).(pdfDict)
			cf, _ := d.resolve(cfs[stmF]).(pdfDict)
			cfm, _ := d.resolve(cf["CFM"]).(pdfName)
			switch cfm {
			case "AESV2", "AESV3":
				c.aes = true
			case "V2":
			case "None":
				c.identity = true
			default:
				return ErrEncrypted
			}
			if l, ok := asInt(d.resolve(cf["Length"])); ok && v == 4 {
				if l <= 32 {
					l *= 8 // in bytes, as most producers write it
				}
				length = l
			}
		}
	}
	switch {
	case r >= 2 && r <= 4:
		n := int(length / 8)
		if r == 2 {
			n = 5
		}
		if n < 5 || n > 16 || len(o) < 32 || len(u) < 32 {
			return ErrEncrypted
		}
		c.key = keyR4(n, int(r), []byte(o[:32]), int32(p), id0, encryptMeta)
		if !c.checkUserR4([]byte(u), id0) {
			return ErrEncrypted
		}
	case r == 5 || r == 6:
		ue, _ := d.resolve(enc["UE"]).(pdfString)
		if len(u) < 48 || len(ue) < 32 {
			return ErrEncrypted
		}
		if !bytes.Equal(hashR6(int(r), nil, []byte(u[32:40]), nil), []byte(u[:32])) {
			return ErrEncrypted // a user password is needed
		}
		ik := hashR6(int(r), nil, []byte(u[40:48]), nil)
		block, err := aes.NewCipher(ik)
		if err != nil {
			return ErrEncrypted
		}
		key := make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, []byte(ue[:32]))
		c.key = key
		c.aes = true
	default:
		return ErrEncrypted
	}
	d.crypt = c
	return nil
}

// keyR4 is algorithm 2: the file key for the empty user password.
func keyR4(n, r int, o []byte, p int32, id0 []byte, encryptMeta bool) []byte {
	h := md5.New()
	h.Write(passwordPad)
	h.Write(o)
	var pb [4]byte
	binary.LittleEndian.PutUint32(pb[:], uint32(p))
	h.Write(pb[:])
	h.Write(id0)
	if r >= 4 && !encryptMeta {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	sum := h.Sum(nil)
	if r >= 3 {
		for range 50 {
			s := md5.Sum(sum[:n])
			sum = s[:]
		}
	}
	return sum[:n]
}

// checkUserR4 is algorithms 4 and 5: whether the key opens the document,
// i.e. the user password is empty.
func (c *pdfCrypt) checkUserR4(u, id0 []byte) bool {
	if c.rev == 2 {
		out := make([]byte, 32)
		rc, _ := rc4.NewCipher(c.key)
		rc.XORKeyStream(out, passwordPad)
		return bytes.Equal(out, u[:32])
	}
	h := md5.New()
	h.Write(passwordPad)
	h.Write(id0)
	x := h.Sum(nil)
	k := make([]byte, len(c.key))
	for i := 0; i < 20; i++ {
		for j := range k {
			k[j] = c.key[j] ^ byte(i)
		}
		rc, _ := rc4.NewCipher(k)
		rc.XORKeyStream(x, x)
	}
	return bytes.Equal(x[:16], u[:16])
}

// hashR6 is algorithm 2.B (revision 6; revision 5 uses plain SHA-256) of
// password with salt and udata.
func hashR6(r int, password, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(password)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if r == 5 {
		return k
	}
	var e []byte
	for i := 0; i < 64 || int(e[len(e)-1]) > i-32; i++ {
		unit := append(append(append([]byte{}, password...), k...), udata...)
		k1 := bytes.Repeat(unit, 64)
		block, _ := aes.NewCipher(k[:16])
		e = make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		var hh hash.Hash
		switch new(big.Int).Mod(new(big.Int).SetBytes(e[:16]), big.NewInt(3)).Int64() {
		case 0:
			hh = sha256.New()
		case 1:
			hh = sha512.New384()
		default:
			hh = sha512.New()
		}
		hh.Write(e)
		k = hh.Sum(nil)
		if i > 1000 {
			break // cannot happen with a real file; bounds the loop
		}
	}
	return k[:32]
}

// decrypt decrypts the data of stream num/gen.
func (c *pdfCrypt) decrypt(num, gen int64, data []byte) []byte {
	if c.identity {
		return data
	}
	key := c.key
	if c.rev <= 4 {
		h := md5.New()
		h.Write(c.key)
		h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
		if c.aes {
			h.Write([]byte("sAlT"))
		}
		key = h.Sum(nil)[:min(len(c.key)+5, 16)]
	}
	if !c.aes {
		out := make([]byte, len(data))
		rc, err := rc4.NewCipher(key)
		if err != nil {
			return nil
		}
		rc.XORKeyStream(out, data)
		return out
	}
	if len(data) < 16 || len(data)%16 != 0 {
		return nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if len(out) == 0 {
		return out
	}
	if pad := int(out[len(out)-1]); pad >= 1 && pad <= 16 && pad <= len(out) {
		out = out[:len(out)-pad]
	}
	return out
}
