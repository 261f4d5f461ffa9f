package main

//go:noinline
func fee(amount int) int { return amount / 100 }
