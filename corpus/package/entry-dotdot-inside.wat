;;! id = "package.entry-dotdot-inside"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "runtime.entry is \"lib/../plugin.wasm\", which resolves inside"
;;! [package]
;;! entry = "lib/../plugin.wasm"
;;! [expect]
;;! code = "path_escape"
;; Even a ".." that comes back inside the package is refused: entry paths are plain relative
;; components, so no resolution step (and no race with a symlink swapped in under lib/) is needed to
;; decide where they point.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
