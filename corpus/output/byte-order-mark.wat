;;! id = "output.byte-order-mark"
;;! guarantee = "OUT-05"
;;! since = "0.1.0"
;;! summary = "a valid result preceded by a UTF-8 byte-order mark"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; RFC 8259: no BOM. A parser that skips it accepts bytes other parsers reject.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A BOM, then a result (21 bytes)
  (data (i32.const 0) "\ef\bb\bf{\"summary\":\"done\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 21)))))
