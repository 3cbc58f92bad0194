;;! id = "package.entry-backslash"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "runtime.entry is lib\\plugin.wasm, and a file of exactly that name exists"
;;! [package]
;;! entry = 'lib\plugin.wasm'
;;! [expect]
;;! code = "path_escape"
;; A backslash is refused in runtime.entry (SPEC section 2): on Windows it is a separator, and on
;; Unix the same manifest would name another file. The kit writes a file whose name holds the
;; backslash, so a runtime that does not refuse it finds the module and runs it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
