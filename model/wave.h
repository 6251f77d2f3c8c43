// Waveform output: FST through Verilator, VCD by converting the FST at close, a time window,
// and a GTKWave save file grouping signals by block.
#ifndef NICSIM_WAVE_H
#define NICSIM_WAVE_H
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class VerilatedFstC;

class WaveWriter {
  public:
    // path ends in .fst or .vcd; [from_ps, to_ps] is the window (to_ps 0 = no end).
    WaveWriter(const std::string &path, uint64_t from_ps, uint64_t to_ps);
    ~WaveWriter();
    VerilatedFstC *fst() { return fst_.get(); }
    bool open(std::string &err);  // after model->trace(fst(), levels)
    // Called at every clock phase that is evaluated. Idle skipping jumps over time, so the
    // window's start and end are dumped explicitly: the state is unchanged across a jump.
    void dump(uint64_t t_ps)
    {
        if (t_ps < from_ps_ || ended_) return;
        if (!started_) {
            started_ = true;
            if (t_ps > from_ps_) do_dump(from_ps_);
        }
        if (to_ps_ == 0 || t_ps <= to_ps_) {
            do_dump(t_ps);
        } else {
            ended_ = true;
            do_dump(to_ps_);
        }
    }
    // end_ps: simulated time at the end of the run.
    bool close(uint64_t end_ps, std::string &err);
    // Moves the end of the window (--wave-frame: once the frame is done). A time already
    // dumped past ends the waveform at the next evaluated phase.
    void set_end(uint64_t to_ps) { to_ps_ = to_ps; }

  private:
    void do_dump(uint64_t t_ps);
    std::string path_, fst_path_;
    bool vcd_ = false, opened_ = false, started_ = false, ended_ = false, dumped_ = false;
    uint64_t last_ps_ = 0;  // time of the last dump: times must strictly increase
    uint64_t from_ps_, to_ps_;
    std::unique_ptr<VerilatedFstC> fst_;
};

// Writes the GTKWave save file `save` for the waveform read back from wave_path (one group per
// module instance, read back from the hierarchy), and its translate filter files (to
// filter_paths[k] in ns_wave_filter_keys order; NULL or a NULL entry: beside dumpfile). The save
// file names the waveform `dumpfile`, itself dumpfile's name with .gtkw and the filters
// DUMPFILE_STEM.KEY.gtkwf: the final names, which differ from the paths written when the
// caller writes through temporaries. Returns "" or an error.
std::string write_gtkw_save(const std::string &wave_path, const std::string &dumpfile, const std::string &save,
                            const char *const *filter_paths, const char *top_scope);
// path without its extension
std::string strip_ext(const std::string &p);
// The names of the scopes directly below `scope` (dotted, e.g. "nic.nic_top") in an FST file,
// in file order. false if the file cannot be read.
bool read_fst_blocks(const std::string &fst_path, const std::string &scope, std::vector<std::string> &out);

#endif
