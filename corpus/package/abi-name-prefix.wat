;;! id = "package.abi-name-prefix"
;;! guarantee = "PKG-08"
;;! since = "0.1.0"
;;! summary = "runtime.abi is \"yoi-plugin-wasm-10\", which starts with the supported name"
;;! [package]
;;! abi = "yoi-plugin-wasm-10"
;;! [expect]
;;! code = "abi_unsupported"
;; The ABI name compares whole. A prefix or "starts with yoi-plugin-wasm-1" check accepts version 10.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
