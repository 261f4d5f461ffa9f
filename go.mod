module github.com/patchmodel/patchmodel

go 1.24.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/zeebo/xxh3 v1.1.0
	golang.org/x/arch v0.24.0
	golang.org/x/exp v0.0.0-20260209203927-2842357ff358
	golang.org/x/sys v0.41.0
	pgregory.net/rapid v1.3.0
)

require github.com/klauspost/cpuid/v2 v2.4.2 // indirect
