;;! id = "input.malformed-bom"
;;! guarantee = "IN-02"
;;! since = "0.1.0"
;;! summary = "the input starts with a UTF-8 byte-order mark"
;;! input = '﻿{}'
;;! [expect]
;;! code = "input_malformed"
;; RFC 8259 forbids a BOM in JSON exchanged between systems; a parser that skips it accepts an input
;; other parsers reject. The guest would write a valid result if it ran.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
