;;! id = "output.over-custom-cap"
;;! guarantee = "OUT-01"
;;! since = "0.1.0"
;;! summary = "output_bytes = 128 and a result of 129 bytes"
;;! separates_from = { output_bytes = 128 }
;;! [limits]
;;! output_bytes = 128
;;! [expect]
;;! code = "output_too_large"
;;! min_host_call_failures = { output_write = 1 }
;; A configured cap, one byte over: output_too_large.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A valid result, padded with JSON whitespace (spaces after the object) to 129 bytes.
  (data (i32.const 0) "{\"summary\":\"exactly 128 bytes\",\"content\":\"ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp\"}")
  (func (export "yoi_tool_call")
    (memory.fill (i32.const 129) (i32.const 32) (i32.const 0))
    ;; One byte over output_bytes = 128.
    (drop (call $output_write (i32.const 0) (i32.const 129)))))
