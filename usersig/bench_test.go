package usersig

import (
	"testing"
)

func BenchmarkVerify(b *testing.B) {
	now := unix(vecTime + 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(vecUserSig, vecAppID, vecKey, vecUser, now); err != nil {
			b.Fatal(err)
		}
	}
}

// The official signer's level-0 output is larger to decode than the spec's
// level-6 sample; measure it too since it is what most app servers send.
func BenchmarkVerifyLevel0(b *testing.B) {
	sig := wrap(b, pyDoc, 0)
	now := unix(vecTime + 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(sig, vecAppID, vecKey, vecUser, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifierCached(b *testing.B) {
	v := NewVerifier(1024)
	now := unix(vecTime + 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(vecUserSig, vecAppID, vecKey, vecUser, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifierCachedParallel(b *testing.B) {
	v := NewVerifier(1024)
	now := unix(vecTime + 100)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(vecUserSig, vecAppID, vecKey, vecUser, now); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	now := unix(vecTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(vecAppID, vecKey, vecUser, vecExpire, now); err != nil {
			b.Fatal(err)
		}
	}
}
