import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.quartz.CronExpression;

/**
 * Answers "what are Quartz's next fire times?" for a batch of cases, so that a test can
 * compare another engine with real Quartz from one JVM start.
 *
 * <p>Input, JSON Lines on stdin, one flat object per case:
 * {"id":"a","expression":"0 0 6 ? * MON-FRI","timeZone":"Europe/London","from":"2026-03-29T00:30:00.000Z","count":5}
 * ({@code from} may also be epoch milliseconds). Output, one line per input line, in order:
 * {"id":"a","next":["2026-03-30T05:00:00.000Z",...]} with fewer than {@code count} times when
 * Quartz runs out (getTimeAfter returns null); {"id":"a","error":"..."} when Quartz rejects
 * the expression; {"id":"a","hung":true,"next":[...]} when one getTimeAfter call took longer
 * than the watchdog allows, or {"id":"a","thrown":"...","next":[...]} when it threw (the
 * fires found before are kept either way); {"id":"a","inputError":"..."} when the line itself
 * is unusable (a harness bug, not a Quartz answer).
 *
 * <p>A line {"offsets":true,"id":"z","timeZone":"...","instants":[ms,...]} instead answers the
 * zone's UTC offsets in minutes at those instants, as java.util.TimeZone (the zone data
 * Quartz computes with) sees them: {"id":"z","offsets":[60,...]}. A test uses it to tell an
 * engine difference from a difference between the JDK's and ICU's zone databases.
 */
public final class QuartzNext {
  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * Quartz walks fields with a lenient GregorianCalendar and loops forever on a few
   * expressions it accepts (`0W`; LW across Samoa's skipped day); one case must not eat the
   * whole batch. A case is hung once its thread has used this much CPU: counting CPU rather
   * than wall time keeps a starved machine (the tests share two cores) from passing for a
   * hang, while a real hang spins and is caught quickly.
   */
  private static final long WATCHDOG_CPU_MS = 500;
  /** Where the JVM cannot measure a thread's CPU time, and as a cap in any case. */
  private static final long WATCHDOG_WALL_MS = 30_000;

  /** The thread of the current worker, so that a hung one can be stopped. */
  private static volatile Thread workerThread;

  private QuartzNext() {}

  public static void main(String[] args) throws Exception {
    // Quartz's nearest-weekday code calls Calendar.getInstance(zone), which follows the
    // default locale: th_TH would give it a Buddhist calendar and shift every year by 543.
    Locale.setDefault(Locale.US);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
    BufferedWriter out =
        new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
    ExecutorService worker = newWorker();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      Map<String, Object> request;
      try {
        request = new FlatJson(line).parseObject();
      } catch (IllegalArgumentException e) {
        out.write("{\"inputError\":" + quote("bad JSON: " + e.getMessage()) + "}\n");
        continue;
      }
      String id = request.get("id") instanceof String s ? s : "";
      try {
        if (Boolean.TRUE.equals(request.get("offsets"))) {
          out.write(offsets(id, request));
        } else {
          Case c = Case.of(request);
          Result result = new Result();
          Future<?> future = worker.submit(() -> c.run(result));
          try {
            await(future);
          } catch (ExecutionException e) {
            result.thrown = String.valueOf(e.getCause());
          } catch (TimeoutException e) {
            result.hung = true;
          }
          List<Long> fires = result.snapshot();
          if (result.hung) {
            abandon(worker);
            worker = newWorker();
          }
          out.write(result.toJson(id, fires));
        }
      } catch (IllegalArgumentException e) {
        out.write("{\"id\":" + quote(id) + ",\"inputError\":" + quote(e.getMessage()) + "}\n");
      }
    }
    out.flush();
    worker.shutdownNow();
    // A hung getTimeAfter cannot be interrupted; exit rather than wait for it.
    System.exit(0);
  }

  /** Waits for one case; throws TimeoutException once it counts as hung (see WATCHDOG_CPU_MS). */
  @SuppressWarnings("deprecation") // Thread.getId: threadId() needs Java 19.
  private static void await(Future<?> future)
      throws ExecutionException, InterruptedException, TimeoutException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Thread t = workerThread;
    boolean cpu = t != null && mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled();
    long cpuStart = cpu ? mx.getThreadCpuTime(t.getId()) : -1;
    long wallStart = System.nanoTime();
    while (true) {
      try {
        future.get(20, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        long wallMs = (System.nanoTime() - wallStart) / 1_000_000;
        long cpuNow = cpu && cpuStart >= 0 ? mx.getThreadCpuTime(t.getId()) : -1;
        long usedMs = cpuNow >= 0 ? (cpuNow - cpuStart) / 1_000_000 : wallMs;
        if (usedMs > WATCHDOG_CPU_MS || wallMs > WATCHDOG_WALL_MS) throw e;
      }
    }
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "quartz-case");
          t.setDaemon(true);
          workerThread = t;
          return t;
        });
  }

  /**
   * getTimeAfter never checks for interruption, so a hung call would spin on a core for the
   * rest of the batch and slow every later case. Thread.stop is the only way out; it is safe
   * here because the thread shares nothing but the Result it was filling, whose fires have
   * already been copied under its lock. JDKs from 20 on refuse stop(); the thread then spins
   * on as a daemon until the batch ends.
   */
  @SuppressWarnings({"deprecation", "removal"})
  private static void abandon(ExecutorService worker) {
    worker.shutdownNow();
    Thread t = workerThread;
    if (t == null) return;
    try {
      t.stop();
    } catch (UnsupportedOperationException | SecurityException e) {
      // Left spinning; see above.
    }
  }

  /** Filled in by the worker thread, read by the main thread once the future is done. */
  private static final class Result {
    volatile String error;
    volatile String thrown;
    volatile boolean hung;
    private final List<Long> next = new ArrayList<>();

    synchronized void add(long fire) {
      next.add(fire);
    }

    /** Taken before a hung worker is stopped, so a half-done add() cannot be seen. */
    synchronized List<Long> snapshot() {
      return new ArrayList<>(next);
    }

    String toJson(String id, List<Long> fires) {
      StringBuilder sb = new StringBuilder(64 + fires.size() * 28);
      sb.append("{\"id\":").append(quote(id));
      if (error != null) {
        sb.append(",\"error\":").append(quote(error));
      } else {
        if (hung) sb.append(",\"hung\":true");
        if (thrown != null) sb.append(",\"thrown\":").append(quote(thrown));
        sb.append(",\"next\":[");
        for (int i = 0; i < fires.size(); i++) {
          if (i > 0) sb.append(',');
          sb.append('"').append(ISO_MILLIS.format(Instant.ofEpochMilli(fires.get(i)))).append('"');
        }
        sb.append(']');
      }
      return sb.append("}\n").toString();
    }
  }

  private record Case(String expression, TimeZone zone, long from, int count) {
    static Case of(Map<String, Object> r) {
      if (!(r.get("expression") instanceof String expression)) {
        throw new IllegalArgumentException("expression must be a string");
      }
      if (!(r.get("timeZone") instanceof String zoneName)) {
        throw new IllegalArgumentException("timeZone must be a string");
      }
      if (!(r.get("count") instanceof Double count) || count < 0 || count != Math.floor(count)) {
        throw new IllegalArgumentException("count must be a non-negative integer");
      }
      return new Case(expression, knownZone(zoneName), instant(r.get("from")), count.intValue());
    }

    void run(Result result) {
      CronExpression cron;
      try {
        cron = new CronExpression(expression);
      } catch (ParseException e) {
        result.error = e.getMessage() == null ? e.toString() : e.getMessage();
        return;
      }
      cron.setTimeZone(zone);
      Date after = new Date(from);
      for (int i = 0; i < count; i++) {
        after = cron.getTimeAfter(after);
        if (after == null) return;
        result.add(after.getTime());
      }
    }
  }

  /**
   * TimeZone.getTimeZone answers GMT for a name it does not know, which would silently turn
   * every case in that zone into a UTC case; insist on a name the JDK knows.
   */
  private static TimeZone knownZone(String name) {
    TimeZone zone = TimeZone.getTimeZone(name);
    if (!zone.getID().equals(name)) throw new IllegalArgumentException("unknown time zone: " + name);
    return zone;
  }

  private static long instant(Object from) {
    if (from instanceof Double ms) return ms.longValue();
    if (from instanceof String text) {
      try {
        return Instant.parse(text).toEpochMilli();
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("from is not an ISO instant: " + text);
      }
    }
    throw new IllegalArgumentException("from must be an ISO string or epoch milliseconds");
  }

  private static String offsets(String id, Map<String, Object> r) {
    if (!(r.get("timeZone") instanceof String zoneName)) {
      throw new IllegalArgumentException("timeZone must be a string");
    }
    if (!(r.get("instants") instanceof List<?> instants)) {
      throw new IllegalArgumentException("instants must be an array of epoch milliseconds");
    }
    TimeZone tz = knownZone(zoneName);
    StringBuilder sb = new StringBuilder("{\"id\":").append(quote(id)).append(",\"offsets\":[");
    for (int i = 0; i < instants.size(); i++) {
      if (!(instants.get(i) instanceof Double ms)) {
        throw new IllegalArgumentException("instants must be an array of epoch milliseconds");
      }
      if (i > 0) sb.append(',');
      sb.append(tz.getOffset(ms.longValue()) / 60_000);
    }
    return sb.append("]}\n").toString();
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    return sb.append('"').toString();
  }

  /**
   * Just enough JSON for one flat object per line: string, number, boolean and null values,
   * and arrays of those. Nested objects are refused rather than half-read.
   */
  static final class FlatJson {
    private final String s;
    private int i;

    FlatJson(String s) {
      this.s = s;
    }

    Map<String, Object> parseObject() {
      Map<String, Object> map = new HashMap<>();
      space();
      expect('{');
      space();
      if (peek() == '}') {
        i++;
      } else {
        while (true) {
          space();
          String key = string();
          space();
          expect(':');
          map.put(key, value(true));
          space();
          char c = next();
          if (c == '}') break;
          if (c != ',') throw fail("expected , or }");
        }
      }
      space();
      if (i != s.length()) throw fail("trailing characters");
      return map;
    }

    private Object value(boolean arrayAllowed) {
      space();
      char c = peek();
      if (c == '"') return string();
      if (c == '[' && arrayAllowed) return array();
      if (c == '-' || (c >= '0' && c <= '9')) return number();
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      throw fail("unexpected value");
    }

    private List<Object> array() {
      expect('[');
      List<Object> list = new ArrayList<>();
      space();
      if (peek() == ']') {
        i++;
        return list;
      }
      while (true) {
        list.add(value(false));
        space();
        char c = next();
        if (c == ']') return list;
        if (c != ',') throw fail("expected , or ]");
      }
    }

    private Double number() {
      int start = i;
      if (peek() == '-') i++;
      while (i < s.length() && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) i++;
      try {
        return Double.valueOf(s.substring(start, i));
      } catch (NumberFormatException e) {
        throw fail("bad number");
      }
    }

    private String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') return sb.toString();
        if (c < 0x20) throw fail("control character in string");
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (i + 4 > s.length()) throw fail("short \\u escape");
            try {
              sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException x) {
              throw fail("bad \\u escape");
            }
            i += 4;
          }
          default -> throw fail("bad escape");
        }
      }
    }

    private void space() {
      while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
    }

    private char peek() {
      if (i >= s.length()) throw fail("unexpected end");
      return s.charAt(i);
    }

    private char next() {
      char c = peek();
      i++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) throw fail("expected " + c);
    }

    private IllegalArgumentException fail(String why) {
      return new IllegalArgumentException(why + " at " + i);
    }
  }
}
