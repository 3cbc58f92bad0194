;;! id = "package.entry-dotdot"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "runtime.entry is \"../plugin.wasm\", a valid module beside the package"
;;! [package]
;;! entry = "../plugin.wasm"
;;! [expect]
;;! code = "path_escape"
;; The kit writes the module one level above the package directory, where the entry points. A
;; runtime that joins the path without checking it reads a file outside the package (and outside the
;; digest) and runs it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
