;;! id = "output.at-custom-cap"
;;! guarantee = "OUT-01"
;;! since = "0.1.0"
;;! summary = "output_bytes = 128 and a result of exactly 128 bytes"
;;! separates_up_to = { output_bytes = 128 }
;;! [limits]
;;! output_bytes = 128
;;! [expect]
;;! output = { summary = "exactly 128 bytes", content = "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp" }
;; A configured cap, at its edge: accepted.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A valid result, padded with JSON whitespace (spaces after the object) to 128 bytes.
  (data (i32.const 0) "{\"summary\":\"exactly 128 bytes\",\"content\":\"pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp\"}")
  (func (export "yoi_tool_call")
    (memory.fill (i32.const 128) (i32.const 32) (i32.const 0))
    ;; Exactly output_bytes = 128.
    (drop (call $output_write (i32.const 0) (i32.const 128)))))
