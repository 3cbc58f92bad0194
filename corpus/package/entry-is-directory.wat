;;! id = "package.entry-is-directory"
;;! guarantee = "PKG-02"
;;! since = "0.1.0"
;;! summary = "runtime.entry names lib, a directory that holds lib/plugin.wasm"
;;! [package]
;;! entry = "lib"
;;! module_path = "lib/plugin.wasm"
;;! [expect]
;;! code = "module_missing"
;; The entry must name a regular file. A runtime that, given a directory, looks inside it for a
;; module (or for the only .wasm file) runs lib/plugin.wasm; one that reads the path as a file gets
;; an I/O error it must not report as anything but module_missing.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
