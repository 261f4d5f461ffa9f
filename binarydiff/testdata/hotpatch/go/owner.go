package main

// owner stands for the program's input (a variable, so that what
// withdraw returns is not known when compiling).
var owner = "ada"
