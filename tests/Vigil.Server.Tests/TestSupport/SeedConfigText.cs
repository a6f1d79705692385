namespace Vigil.Server.Tests.TestSupport;

/// <summary>The seed's configuration text, read by the configuration tests and the <c>check config</c> command's tests.</summary>
internal static class SeedConfigText
{
    /// <summary>Seed 002, section 4.3, exactly as the seed writes it.</summary>
    public const string Yaml = """
        # config/performance_monitoring.yaml
        performance_collection:
          collection_interval: 30  # 30秒
          retention_period: 86400  # 24小时
          alert_thresholds:
            cpu_usage:
              warning_threshold: 70.0
              critical_threshold: 85.0
              operator: "GreaterThan"
            memory_usage:
              warning_threshold: 75.0
              critical_threshold: 90.0
              operator: "GreaterThan"
            response_time:
              warning_threshold: 500.0
              critical_threshold: 1000.0
              operator: "GreaterThan"

        performance_analysis:
          analysis_interval: 300  # 5分钟
          retention_period: 604800  # 7天
          confidence_threshold: 0.8

        optimization:
          max_concurrent_optimizations: 3
          optimization_timeout: 300  # 5分钟
          impact_threshold: 0.1

        aggregation_rules:
          - metric_pattern: "response_time"
            aggregation_type: "Average"
            time_window: 300
            output_metric: "avg_response_time"
          - metric_pattern: "cpu_usage"
            aggregation_type: "Max"
            time_window: 60
            output_metric: "peak_cpu_usage"
        """;
}
