package main

type account struct {
	owner   string
	balance int
}
