namespace Vigil.PromQL.Ast;

/// <summary>How series on both sides of a binary operation are matched.</summary>
public enum VectorMatchCardinality
{
    /// <summary>Each signature occurs at most once on each side.</summary>
    OneToOne,

    /// <summary><c>group_left</c>: many on the left, one on the right.</summary>
    ManyToOne,

    /// <summary><c>group_right</c>: one on the left, many on the right.</summary>
    OneToMany,

    /// <summary>Set operators.</summary>
    ManyToMany,
}
